using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Logs;

internal static partial class LogRotationLog
{
    [LoggerMessage(EventId = 6140, Level = LogLevel.Information, Message = "container log rotation: max size {MaxSize} bytes, max files {MaxFiles}, every {Interval}")]
    public static partial void Started(ILogger logger, long maxSize, int maxFiles, TimeSpan interval);

    [LoggerMessage(EventId = 6141, Level = LogLevel.Debug, Message = "container {Container}: log rotated to {Rotated}")]
    public static partial void Rotated(ILogger logger, string container, string rotated);

    [LoggerMessage(EventId = 6142, Level = LogLevel.Warning, Message = "container {Container}: log rotation of {Path} failed, tried again next round: {Error}")]
    public static partial void Failed(ILogger logger, string container, string path, string error);

    [LoggerMessage(EventId = 6143, Level = LogLevel.Warning, Message = "container log rotation: listing the running containers failed: {Error}")]
    public static partial void ListFailed(ILogger logger, string error);
}
