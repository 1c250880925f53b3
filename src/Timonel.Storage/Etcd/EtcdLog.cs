using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Etcd;

/// <summary>The etcd backend's structured log messages.</summary>
internal static partial class EtcdLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "etcd watch stream failed; {WatchCount} watches end as unavailable")]
    public static partial void WatchStreamFailed(ILogger logger, int watchCount, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "etcd watch on '{Prefix}' fell behind after revision {Revision} and was cut off")]
    public static partial void WatchLagged(ILogger logger, string prefix, long revision);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "etcd watch on '{Prefix}' from revision {Revision} hit compaction at {CompactRevision}")]
    public static partial void WatchCompacted(ILogger logger, string prefix, long revision, long compactRevision);
}
