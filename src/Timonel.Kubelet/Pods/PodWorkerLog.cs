using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Pods;

internal static partial class PodWorkerLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "pod workers started for node {Node}")]
    public static partial void Started(ILogger logger, string node);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "pod workers stopped for node {Node}; containers keep running")]
    public static partial void Stopped(ILogger logger, string node);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "sync of pod {Pod} ({Uid}) failed, retried at the next resync: {Error}")]
    public static partial void SyncFailed(ILogger logger, string pod, string uid, string error);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Error, Message = "sync of pod {Pod} ({Uid}) threw")]
    public static partial void SyncThrew(ILogger logger, string pod, string uid, Exception exception);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Information, Message = "pod {Pod} ({Uid}) is torn down and gone")]
    public static partial void Finished(ILogger logger, string pod, string uid);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Information, Message = "sandbox of pod {Namespace}/{Pod} ({Uid}) is not bound here any more: tearing it down")]
    public static partial void Orphan(ILogger logger, string @namespace, string pod, string uid);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Warning, Message = "pod {Pod}: runtime call failed: {Error}")]
    public static partial void RuntimeFailed(ILogger logger, string pod, string error);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Warning, Message = "pod {Pod}: status write failed: {Error}")]
    public static partial void StatusWriteFailed(ILogger logger, string pod, string error);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Information, Message = "pod {Pod}: started container {Container} ({Id}, restart {RestartCount})")]
    public static partial void ContainerStarted(ILogger logger, string pod, string container, string id, int restartCount);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Debug, Message = "pod {Pod}: status written (phase {Phase}, revision {Revision})")]
    public static partial void StatusWritten(ILogger logger, string pod, string phase, string? revision);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Warning, Message = "pod {Pod}: delete after termination failed: {Error}")]
    public static partial void DeleteFailed(ILogger logger, string pod, string error);
}
