using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Network.LoadBalancer;
using Timonel.Network.ServiceProxy;
using Timonel.Network.Tests.ServiceProxy;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// The announcer in a real kernel (root): two nodes and a client on one L2 segment. The node the
/// election picks holds the load-balancer address, answers the client's ARP, and the service
/// proxy's rules on it DNAT LB-IP:80 to the node's own listener on 8080 (externalTrafficPolicy
/// Local, so each node serves from itself and the answer names the node). When that node drops
/// out, the other takes over and its gratuitous ARP moves the client's neighbour entry.
/// </summary>
public sealed class LoadBalancerArpTests : IAsyncLifetime
{
    private const string LbIp = "192.168.78.200";
    private L2Lab _lab = null!;

    public async Task InitializeAsync() => _lab = await L2Lab.CreateAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static V1Service Service() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "demo" },
        Spec = new V1ServiceSpec
        {
            Type = "LoadBalancer",
            ClusterIP = "10.96.0.50",
            ExternalTrafficPolicy = "Local",
            Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080, NodePort = 30080 }],
        },
        Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = LbIp, IpMode = "VIP" }] } },
    };

    private static V1Node ReadyNode(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }] },
    };

    private AddressAnnouncer Announcer(string node) =>
        new(IPAddress.Parse(L2Lab.NodeAddresses[node]), new LinkCommands(NetLab.PathOf(_lab.NodeNamespaces[node])),
            Path.Combine(_lab.TempDir, "state-" + node), NullLogger.Instance);

    /// <summary>Each node's share of the election over the given Ready nodes, applied to its link.</summary>
    private static async Task ApplyElectionAsync(IReadOnlyDictionary<string, AddressAnnouncer> announcers, V1Service service,
        V1EndpointSlice slice, IEnumerable<string> readyNodes)
    {
        var assignments = AnnouncerElection.Assignments([service], _ => [slice], readyNodes.Select(ReadyNode));
        // Losers first, then the winner: here the address is briefly on no node, never on two
        // (real agents apply on their own; a short overlap is what ARP's last answer settles).
        foreach (var (node, announcer) in announcers.OrderBy(kv => assignments.Values.Contains(kv.Key) ? 1 : 0))
        {
            var wanted = assignments.Where(kv => kv.Value == node).Select(kv => kv.Key).ToHashSet();
            Assert.Null(await announcer.ApplyAsync(wanted, CancellationToken.None));
        }
    }

    [Fact]
    public async Task The_elected_node_answers_for_the_address_and_after_it_drops_out_the_other_takes_over_with_gratuitous_arp()
    {
        var service = Service();
        var slice = Fixtures.Slice("web", "http", 8080,
            (L2Lab.NodeAddresses["node-a"], "node-a", true, false), (L2Lab.NodeAddresses["node-b"], "node-b", true, false));
        foreach (var (node, ns) in _lab.NodeNamespaces)
        {
            // The service proxy's own rules for this Service, from the same objects, on each node.
            var writer = new NftTableWriter(new NftProcessRunner(NetLab.PathOf(ns)), NullLogger.Instance);
            var proxyNode = new ProxyNode(node, [IPAddress.Parse(L2Lab.NodeAddresses[node])], "10.244.0.0/16");
            var written = await writer.WriteAsync(NftRules.Build(proxyNode, ServicePorts.From(service, [slice], node)), false, CancellationToken.None);
            Assert.True(written.Ok, written.Error);
        }
        var announcers = _lab.NodeNamespaces.Keys.ToDictionary(n => n, Announcer);
        var nodes = _lab.NodeNamespaces.Keys.ToList();
        var first = AnnouncerElection.Winner(LbIp, nodes)!;
        var second = nodes.Single(n => n != first);

        await ApplyElectionAsync(announcers, service, slice, nodes);
        Assert.True(await L2Lab.HasAddressAsync(_lab.NodeNamespaces[first], LbIp));
        Assert.False(await L2Lab.HasAddressAsync(_lab.NodeNamespaces[second], LbIp));
        var answer = await NetLab.CurlAsync(_lab.Client, $"http://{LbIp}/");
        Assert.True(answer.Exit == 0, answer.Error);
        Assert.Equal(first, answer.Body);
        Assert.Equal(await L2Lab.MacAsync(_lab.NodeNamespaces[first]), await _lab.ClientNeighbourAsync(LbIp));

        // The first node is no longer Ready: the second takes the address and tells the segment.
        await ApplyElectionAsync(announcers, service, slice, [second]);
        Assert.False(await L2Lab.HasAddressAsync(_lab.NodeNamespaces[first], LbIp));
        Assert.True(await L2Lab.HasAddressAsync(_lab.NodeNamespaces[second], LbIp));
        // Before any new request: only the gratuitous ARP can have moved the client's entry.
        Assert.Equal(await L2Lab.MacAsync(_lab.NodeNamespaces[second]), await _lab.ClientNeighbourAsync(LbIp));
        answer = await NetLab.CurlAsync(_lab.Client, $"http://{LbIp}/");
        Assert.True(answer.Exit == 0, answer.Error);
        Assert.Equal(second, answer.Body);
    }

    [Fact]
    public async Task Addresses_get_the_node_subnet_or_32_and_a_restarted_announcer_removes_only_what_it_added_and_no_longer_wins()
    {
        const string OutsideSubnet = "10.99.0.1";
        var ns = _lab.NodeNamespaces["node-a"];
        var announcer = Announcer("node-a");
        Assert.Null(await announcer.ApplyAsync(new HashSet<string> { LbIp, OutsideSubnet }, CancellationToken.None));
        Assert.Equal([OutsideSubnet, LbIp], announcer.Held.Order());
        var shown = (await NetLab.RunAsync("ip", ["-n", ns, "-4", "addr", "show", "dev", "eth0"])).Output;
        // Inside the node's /24: a secondary address of that subnet; outside it: a /32.
        Assert.Contains($"inet {LbIp}/24 scope global secondary eth0", shown);
        Assert.Contains($"inet {OutsideSubnet}/32 scope global eth0", shown);
        // Someone else's address on the same link.
        Assert.Equal(0, (await NetLab.RunAsync("ip", ["-n", ns, "addr", "add", "192.168.78.99/32", "dev", "eth0"])).Exit);

        var restarted = Announcer("node-a");
        Assert.Null(await restarted.ApplyAsync(new HashSet<string> { OutsideSubnet }, CancellationToken.None));

        Assert.False(await L2Lab.HasAddressAsync(ns, LbIp));
        Assert.True(await L2Lab.HasAddressAsync(ns, OutsideSubnet));
        Assert.True(await L2Lab.HasAddressAsync(ns, "192.168.78.99"));
        Assert.True(await L2Lab.HasAddressAsync(ns, L2Lab.NodeAddresses["node-a"]));
    }
}
