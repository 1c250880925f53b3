using System.Net;
using Timonel.Kubelet.Agent;

namespace Timonel.Commands;

/// <summary>
/// The networking side of `timonel agent` (Timonel.Network's components run by the agent once its
/// pod network is ready): the cluster's ranges from the command line (the server's defaults) and
/// the list of node components.
/// </summary>
internal static class AgentNetwork
{
    public sealed record Settings(string ClusterCidr, string ServiceCidr, string ClusterDomain, string? Error)
    {
        public static Settings From(Flags flags)
        {
            var cluster = flags.String("cluster-cidr", "10.42.0.0/16");
            var service = flags.String("service-cidr", "10.43.0.0/16");
            var domain = flags.String("cluster-domain", "cluster.local");
            var error = CheckCidr("--cluster-cidr", cluster) ?? CheckCidr("--service-cidr", service);
            return new Settings(cluster, service, domain, error);
        }

        private static string? CheckCidr(string flag, string text) =>
            IPNetwork.TryParse(text, out var network) && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                ? null
                : $"{flag}: \"{text}\" is not an IPv4 CIDR (e.g. 10.42.0.0/16)";
    }

    /// <summary>The node's networking components, in start order.</summary>
    public static IReadOnlyList<INodeComponent> Components(Settings settings)
    {
        _ = settings;
        return
        [
            new NodeComponent("ingress", (node, ct) => new Timonel.Network.Ingress.IngressProxy(node.Api, new() { ListenAddress = node.NodeIp, Informers = node.Informers, Loggers = node.Loggers, Time = node.Time }).RunAsync(ct)),
        ];
    }
}
