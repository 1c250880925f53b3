using System.Net;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Informers;
using Timonel.Network.ServiceProxy;

namespace Timonel.Network.NodeComponents;

/// <summary>Where a node's networking components run: the agent's API connection, its informers and the node's facts.</summary>
public sealed record NodeNetworkContext(
    ApiConnection Api,
    SharedInformerFactory Informers,
    string NodeName,
    IPAddress NodeIp,
    string ClusterCidr,
    string ServiceCidr,
    string ClusterDomain,
    ILoggerFactory Loggers,
    TimeProvider Time);

/// <summary>
/// The service proxy of one agent: the real nft in the agent's own namespace (the node's),
/// NodePorts on the node IP, the agent's shared informers; plus the Service range route a node
/// without default route needs for its own connections (<see cref="ServiceCidrRoute"/>), checked
/// again every <see cref="RouteCheckInterval"/> (a default route may come or go).
/// </summary>
public static class NodeServiceProxy
{
    public static readonly TimeSpan RouteCheckInterval = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(NodeNetworkContext node, CancellationToken ct)
    {
        var proxy = new ServiceProxy.ServiceProxy(node.Api, node.NodeName, [node.NodeIp], node.ClusterCidr, new NftProcessRunner(),
            new ServiceProxyOptions { Informers = node.Informers, Loggers = node.Loggers, Time = node.Time });
        var routes = KeepRouteAsync(node, new ServiceCidrRoute(new IpProcessRunner(), node.ServiceCidr, node.NodeIp), ct);
        await Task.WhenAll(proxy.RunAsync(ct), routes).ConfigureAwait(false);
    }

    private static async Task KeepRouteAsync(NodeNetworkContext node, ServiceCidrRoute route, CancellationToken ct)
    {
        var logger = node.Loggers.CreateLogger("timonel.network.node");
        string? last = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var outcome = await route.EnsureAsync(ct).ConfigureAwait(false);
                if (outcome != last)
                {
                    NodeLog.ServiceRoute(logger, outcome);
                    last = outcome;
                }
                await Task.Delay(RouteCheckInterval, node.Time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
