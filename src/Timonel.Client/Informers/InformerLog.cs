using Microsoft.Extensions.Logging;

namespace Timonel.Client.Informers;

internal static partial class InformerLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "informer {Resource}: listed {Count} objects at revision {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "informer {Resource}: revision {ResourceVersion} is gone (410); relisting")]
    public static partial void Gone(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "informer {Resource}: {Verb} failed: {Reason}; retrying in {Delay}")]
    public static partial void CallFailed(ILogger logger, string resource, string verb, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "informer {Resource}: connection failed; relisting in {Delay}")]
    public static partial void ConnectionFailed(ILogger logger, string resource, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "informer {Resource}: an event handler threw")]
    public static partial void HandlerFailed(ILogger logger, string resource, Exception exception);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Debug, Message = "informer {Resource}: watch ended at revision {ResourceVersion}; watching again")]
    public static partial void WatchEnded(ILogger logger, string resource, string resourceVersion);
}
