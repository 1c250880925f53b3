using Microsoft.Extensions.Logging;

namespace Timonel.Network.NodeComponents;

internal static partial class NodeLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Service CIDR route: {Outcome}")]
    public static partial void ServiceRoute(ILogger logger, string outcome);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "kube-dns endpoint {Slice} published for {Address}")]
    public static partial void DnsEndpointPublished(ILogger logger, string slice, string address);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "kube-dns endpoint {Slice} not written, retrying: {Error}")]
    public static partial void DnsEndpointFailed(ILogger logger, string slice, string error);
}
