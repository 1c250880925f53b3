using Microsoft.Extensions.Logging;

namespace Timonel.Network.ServiceProxy;

internal static partial class ProxyLog
{
    [LoggerMessage(1, LogLevel.Information, "Service proxy started on node {Node} (cluster CIDR {ClusterCidr}, node addresses {Addresses})")]
    public static partial void Started(ILogger logger, string node, string clusterCidr, string addresses);

    [LoggerMessage(2, LogLevel.Debug, "Synced {Ports} service ports: {Kind} transaction of {Bytes} bytes in {Elapsed} ms")]
    public static partial void Synced(ILogger logger, int ports, string kind, int bytes, long elapsed);

    [LoggerMessage(3, LogLevel.Warning, "nftables sync failed, retrying: {Error}")]
    public static partial void SyncFailed(ILogger logger, string error);

    [LoggerMessage(4, LogLevel.Warning, "Timonel's nftables table differs from what was written ({Mismatch}): rewriting it whole")]
    public static partial void TableDrifted(ILogger logger, string mismatch);

    [LoggerMessage(5, LogLevel.Warning, "Incremental nftables transaction refused ({Error}): rewriting the table whole")]
    public static partial void IncrementalFailed(ILogger logger, string error);
}
