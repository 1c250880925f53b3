using System.Net;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Overlay;

public sealed class OverlayPlanTests
{
    private static OverlayPeer Peer(int i, string? publicIp = null, string? mac = null) =>
        new($"node-{i}", IPNetwork.Parse($"10.42.{i}.0/24"), mac ?? $"0a:00:00:00:00:0{i}", IPAddress.Parse(publicIp ?? $"10.77.0.1{i}"));

    [Fact]
    public void Each_peer_wants_a_route_via_its_vtep_a_neighbour_and_an_fdb_entry_to_its_node_ip()
    {
        var wanted = OverlayState.Wanted([Peer(2), Peer(3)]);
        Assert.Equal(
            [new OverlayRoute(IPNetwork.Parse("10.42.2.0/24"), IPAddress.Parse("10.42.2.0")), new OverlayRoute(IPNetwork.Parse("10.42.3.0/24"), IPAddress.Parse("10.42.3.0"))],
            wanted.Routes.OrderBy(r => r.ToString()));
        Assert.Equal(
            [new OverlayNeighbour(IPAddress.Parse("10.42.2.0"), "0a:00:00:00:00:02"), new OverlayNeighbour(IPAddress.Parse("10.42.3.0"), "0a:00:00:00:00:03")],
            wanted.Neighbours.OrderBy(n => n.ToString()));
        Assert.Equal(
            [new OverlayFdbEntry("0a:00:00:00:00:02", IPAddress.Parse("10.77.0.12")), new OverlayFdbEntry("0a:00:00:00:00:03", IPAddress.Parse("10.77.0.13"))],
            wanted.Fdb.OrderBy(f => f.ToString()));
    }

    [Fact]
    public void From_an_empty_device_everything_is_added_and_nothing_removed()
    {
        var plan = OverlayPlan.Between(OverlayState.Empty, OverlayState.Wanted([Peer(2), Peer(3)]));
        Assert.Equal((0, 6), (plan.Removals, plan.Additions));
        Assert.Equal(2, plan.AddRoutes.Count);
    }

    [Fact]
    public void A_device_in_step_needs_nothing()
    {
        var wanted = OverlayState.Wanted([Peer(2), Peer(3)]);
        var current = OverlayState.Wanted([Peer(3), Peer(2)]);
        Assert.True(OverlayPlan.Between(current, wanted).IsEmpty);
    }

    [Fact]
    public void A_peer_gone_loses_its_three_entries_and_the_others_stay()
    {
        var plan = OverlayPlan.Between(OverlayState.Wanted([Peer(2), Peer(3)]), OverlayState.Wanted([Peer(2)]));
        Assert.Equal([new OverlayRoute(IPNetwork.Parse("10.42.3.0/24"), IPAddress.Parse("10.42.3.0"))], plan.RemoveRoutes);
        Assert.Equal([new OverlayNeighbour(IPAddress.Parse("10.42.3.0"), "0a:00:00:00:00:03")], plan.RemoveNeighbours);
        Assert.Equal([new OverlayFdbEntry("0a:00:00:00:00:03", IPAddress.Parse("10.77.0.13"))], plan.RemoveFdb);
        Assert.Equal(0, plan.Additions);
    }

    [Fact]
    public void A_peer_that_moved_to_another_node_ip_replaces_only_its_fdb_entry()
    {
        var plan = OverlayPlan.Between(OverlayState.Wanted([Peer(2)]), OverlayState.Wanted([Peer(2, publicIp: "10.88.0.2")]));
        Assert.Equal([new OverlayFdbEntry("0a:00:00:00:00:02", IPAddress.Parse("10.77.0.12"))], plan.RemoveFdb);
        Assert.Equal([new OverlayFdbEntry("0a:00:00:00:00:02", IPAddress.Parse("10.88.0.2"))], plan.AddFdb);
        Assert.Empty(plan.AddRoutes);
        Assert.Empty(plan.RemoveRoutes);
        Assert.Empty(plan.AddNeighbours);
    }

    [Fact]
    public void A_peer_with_a_new_mac_gets_a_new_neighbour_and_fdb_entry_but_keeps_its_route()
    {
        var plan = OverlayPlan.Between(OverlayState.Wanted([Peer(2)]), OverlayState.Wanted([Peer(2, mac: "0a:00:00:00:00:22")]));
        Assert.Equal([new OverlayNeighbour(IPAddress.Parse("10.42.2.0"), "0a:00:00:00:00:22")], plan.AddNeighbours);
        Assert.Single(plan.RemoveNeighbours);
        Assert.Single(plan.RemoveFdb);
        Assert.Single(plan.AddFdb);
        Assert.Empty(plan.AddRoutes);
    }

    [Fact]
    public void Masquerade_covers_this_nodes_pods_leaving_the_cluster_cidr_only()
    {
        var script = OverlayMasquerade.Script(OverlayNode.Parse("node-1", IPAddress.Parse("10.77.0.11"), "10.42.1.0/24", "10.42.0.0/16"));
        Assert.Contains("table ip timonel-overlay {", script, StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.42.1.0/24 ip daddr 10.42.0.0/16 return", script, StringComparison.Ordinal);
        Assert.Contains("ip saddr 10.42.1.0/24 masquerade", script, StringComparison.Ordinal);
        Assert.DoesNotContain("table ip timonel {", script, StringComparison.Ordinal);
    }
}
