using Microsoft.Extensions.Logging;

namespace Timonel.Network.Dns;

internal static partial class DnsLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "cluster DNS records ready for zone {Zone} ({NameServers} name server addresses)")]
    public static partial void RecordsReady(ILogger logger, string zone, int nameServers);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "cluster DNS view rebuilt: {Services} services")]
    public static partial void Rebuilt(ILogger logger, int services);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "cluster DNS listening on {Endpoint} (udp, tcp); upstreams {Upstreams}")]
    public static partial void Listening(ILogger logger, string endpoint, string upstreams);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "forwarding {Name} {Type} failed: {Reason}")]
    public static partial void ForwardFailed(ILogger logger, string name, string type, string reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "DNS server error: {Error}")]
    public static partial void ServerError(ILogger logger, string error);
}
