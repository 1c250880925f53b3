using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Probes;

internal static partial class ProbeLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "{Kind} probe of container {Container} ({ContainerId}) decided: passed={Passed}")]
    public static partial void StateChanged(ILogger logger, ProbeKind kind, bool passed, string container, string containerId);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Error, Message = "{Kind} probe of container {Container} ({ContainerId}) threw")]
    public static partial void AttemptCrashed(ILogger logger, ProbeKind kind, string container, string containerId, Exception exception);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Error, Message = "probing loop of container {ContainerId} ended with an error")]
    public static partial void LoopCrashed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "{Hook} hook of container {Container} in pod {Pod} failed: {Message}")]
    public static partial void HookFailed(ILogger logger, string hook, string container, string pod, string message);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Information, Message = "PreStop hook of container {Container} in pod {Pod} did not complete within {Budget}")]
    public static partial void PreStopOutOfTime(ILogger logger, string container, string pod, TimeSpan budget);
}
