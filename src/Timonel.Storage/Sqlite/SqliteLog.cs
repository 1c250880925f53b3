using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Sqlite;

/// <summary>The embedded store's structured log messages.</summary>
internal static partial class SqliteLog
{
    [LoggerMessage(1, LogLevel.Information, "Opened store {Path} at revision {Revision} (compacted revision {Compacted})")]
    public static partial void Opened(ILogger logger, string path, long revision, long compacted);

    [LoggerMessage(2, LogLevel.Error, "Store {Path} could not commit a batch of {Count} writes; all of them failed")]
    public static partial void CommitFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(3, LogLevel.Information, "Store {Path} reconnected its writer at revision {Revision}")]
    public static partial void WriterReconnected(ILogger logger, string path, long revision);

    [LoggerMessage(4, LogLevel.Information, "Store {Path} compacted to revision {Revision}, removing {Rows} log rows")]
    public static partial void Compacted(ILogger logger, string path, long revision, long rows);

    [LoggerMessage(5, LogLevel.Warning, "Store {Path} could not compact automatically")]
    public static partial void CompactionFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(6, LogLevel.Warning, "A watch on prefix {Prefix} fell behind and was cut off")]
    public static partial void WatcherLagged(ILogger logger, string prefix);
}
