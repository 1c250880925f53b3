using k8s.Models;
using Timonel.Network.LoadBalancer;
using Timonel.Network.Tests.ServiceProxy;

namespace Timonel.Network.Tests.LoadBalancer;

/// <summary>The choice of the node that answers ARP for a load-balancer address, as every agent computes it.</summary>
public sealed class AnnouncerElectionTests
{
    private static readonly string[] Nodes = ["node-1", "node-2", "node-3"];

    private static V1Node Node(string name, bool ready = true, bool excluded = false) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = excluded ? new Dictionary<string, string> { [AnnouncerElection.ExcludeLabel] = "" } : null,
        },
        Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "Unknown" }] },
    };

    private static V1Service LoadBalancer(string name, string address, string policy = "Cluster", string? lbClass = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "demo" },
            Spec = new V1ServiceSpec { Type = "LoadBalancer", ClusterIP = "10.96.0.10", ExternalTrafficPolicy = policy, LoadBalancerClass = lbClass },
            Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = address, IpMode = "VIP" }] } },
        };

    [Fact]
    public void Every_order_of_the_candidates_elects_the_same_node_and_only_the_winner_leaving_moves_the_address()
    {
        var addresses = Enumerable.Range(1, 60).Select(i => $"10.213.0.{i}").ToList();
        foreach (var address in addresses)
        {
            var winner = AnnouncerElection.Winner(address, Nodes);
            Assert.NotNull(winner);
            Assert.Equal(winner, AnnouncerElection.Winner(address, Nodes.Reverse()));
            var loser = Nodes.First(n => n != winner);
            Assert.Equal(winner, AnnouncerElection.Winner(address, Nodes.Where(n => n != loser)));
            var next = AnnouncerElection.Winner(address, Nodes.Where(n => n != winner));
            Assert.NotNull(next);
            Assert.NotEqual(winner, next);
        }
        // Spread: each node wins some of 60 addresses (a fixed hash, so this is no matter of luck).
        var wins = addresses.GroupBy(a => AnnouncerElection.Winner(a, Nodes)).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(Nodes, wins.Keys.Order());
        Assert.Null(AnnouncerElection.Winner("10.213.0.1", []));
    }

    [Fact]
    public void Only_ready_nodes_not_excluded_announce_and_only_services_of_this_load_balancer_with_an_address()
    {
        var nodes = new[] { Node("node-1"), Node("node-2", ready: false), Node("node-3", excluded: true) };
        var services = new[]
        {
            LoadBalancer("a", "10.213.0.200"),
            LoadBalancer("b", "10.213.0.201"),
            LoadBalancer("foreign", "10.213.0.202", lbClass: "example.com/other"),
            LoadBalancer("own-class", "10.213.0.203", lbClass: AnnouncerElection.OwnClass),
            new V1Service { Metadata = new V1ObjectMeta { Name = "pending", NamespaceProperty = "demo" }, Spec = new V1ServiceSpec { Type = "LoadBalancer" } },
        };

        var assignments = AnnouncerElection.Assignments(services, _ => [], nodes);

        Assert.Equal(new Dictionary<string, string>
        {
            ["10.213.0.200"] = "node-1",
            ["10.213.0.201"] = "node-1",
            ["10.213.0.203"] = "node-1",
        }, assignments);
        Assert.Empty(AnnouncerElection.Assignments(services, _ => [], [Node("node-2", ready: false)]));
    }

    [Fact]
    public void Local_policy_elects_among_the_nodes_with_a_ready_endpoint_and_nobody_when_there_is_none()
    {
        var nodes = Nodes.Select(n => Node(n)).ToList();
        var local = LoadBalancer("web", "10.213.0.200", policy: "Local");
        // node-2 has a ready endpoint; node-1's is not ready; node-3 has none.
        var slice = Fixtures.Slice("web", "http", 8080, ("10.42.2.5", "node-2", true, false), ("10.42.1.5", "node-1", false, false));

        Assert.Equal("node-2", AnnouncerElection.Assignments([local], _ => [slice], nodes)["10.213.0.200"]);
        // The same node also wins whichever others are Ready, as long as it is the only one with an endpoint.
        Assert.Equal("node-2", AnnouncerElection.Assignments([local], _ => [slice], nodes.Take(2))["10.213.0.200"]);
        var noneReady = Fixtures.Slice("web", "http", 8080, ("10.42.1.5", "node-1", false, false));
        Assert.Empty(AnnouncerElection.Assignments([local], _ => [noneReady], nodes));
    }
}
