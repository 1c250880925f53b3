using System.Net;
using Timonel.ApiServer.Hosting;
using Timonel.Kubelet.Agent;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;
using Timonel.Network.Dns;
using Timonel.Network.Host;
using Timonel.Network.Ingress;
using Timonel.Network.LoadBalancer;
using Timonel.Network.NodeComponents;
using Timonel.Network.Overlay;

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

    /// <summary>
    /// The node's networking components. They run side by side and each converges on its own (the
    /// ranges come with <see cref="AgentNode"/>); none waits for another.
    /// </summary>
    public static IReadOnlyList<INodeComponent> Components() =>
        [
            new NodeComponent("overlay", (node, ct) => new VxlanOverlay(node.Api, node.Informers,
                OverlayNode.Parse(node.NodeName, node.NodeIp, node.PodCidr, node.ClusterCidr),
                new IpOverlayKernel(new HostCommands()), new OverlayOptions { Loggers = node.Loggers, Time = node.Time }).RunAsync(ct)),
            new NodeComponent("lb-announcer", (node, ct) => new LoadBalancerAnnouncer(node.Informers, node.NodeName, node.NodeIp,
                Path.Combine(node.AgentDir, "lb-announcer"), new LinkCommands(), new LoadBalancerAnnouncerOptions { Time = node.Time, Loggers = node.Loggers }).RunAsync(ct)),
            new NodeComponent("service-proxy", (node, ct) => NodeServiceProxy.RunAsync(ContextOf(node), ct)),
            new NodeComponent("cluster-dns", (node, ct) => NodeClusterDns.RunAsync(ContextOf(node), ct)),
            new NodeComponent("ingress", (node, ct) => new IngressProxy(node.Api, new() { ListenAddress = node.NodeIp, Informers = node.Informers, Loggers = node.Loggers, Time = node.Time }).RunAsync(ct)),
        ];

    /// <summary>
    /// Pods' resolver settings (kubelet's clusterDNS and clusterDomain): the kube-dns Service's
    /// address, the tenth of the Service range as the server's bootstrap creates it, and the
    /// node's /etc/resolv.conf (read per sandbox, so an edited file reaches new pods).
    /// </summary>
    public static PodDnsConfigurer PodDns(Settings settings, string hostResolvConf = "/etc/resolv.conf")
    {
        var clusterDns = IpRange.Parse(settings.ServiceCidr).At(10).ToString();
        return pod =>
        {
            var conf = PodDnsConfig.For(pod, new NodeDnsSettings([clusterDns], settings.ClusterDomain, ResolvConf.ReadFile(hostResolvConf)));
            var config = new DNSConfig();
            config.Servers.AddRange(conf.Servers);
            config.Searches.AddRange(conf.Searches);
            config.Options.AddRange(conf.Options);
            return config;
        };
    }

    private static NodeNetworkContext ContextOf(AgentNode node) => new(
        node.Api, node.Informers, node.NodeName, node.NodeIp, node.ClusterCidr, node.ServiceCidr, node.ClusterDomain, node.Loggers, node.Time);
}
