using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// The overlay in a real kernel (root): each lab node's namespace is set up and reconciled by
/// <see cref="IpOverlayKernel"/> against a list of Node objects (what the informer would hold),
/// then pods talk across nodes with curl and ping.
/// </summary>
public sealed class OverlayKernelTests
{
    /// <summary>Sets up every lab node and reconciles it against <paramref name="nodes"/>; returns each node's plan.</summary>
    private static async Task<List<OverlayPlan>> ConvergeAsync(OverlayLab lab, List<V1Node> nodes)
    {
        var plans = new List<OverlayPlan>();
        foreach (var node in lab.Nodes)
        {
            var kernel = node.Kernel;
            var setUp = await kernel.SetUpNodeAsync(node.Overlay, CancellationToken.None);
            Assert.True(setUp.Ok, $"{node.Overlay.Name}: {setUp}");
            var sync = await new OverlayReconciler(kernel, NullLogger.Instance)
                .ReconcileAsync(OverlayPeers.From(nodes, node.Overlay), CancellationToken.None);
            Assert.True(sync.Ok, $"{node.Overlay.Name}: {sync.Result}");
            plans.Add(sync.Plan!);
        }
        return plans;
    }

    private static async Task<OverlayState> ReadAsync(OverlayLab.LabNode node)
    {
        var (state, error) = await node.Kernel.ReadAsync(CancellationToken.None);
        Assert.True(state is not null, error);
        return state!;
    }

    private static async Task<bool> PingAsync(OverlayLab.LabNode from, OverlayLab.LabNode to) =>
        (await NetLab.RunAsync("nsenter", ["--net=" + NetLab.PathOf(from.PodNs), "busybox", "ping", "-c", "1", "-W", "2", to.PodIp])).Exit == 0;

    [Fact]
    public async Task Pods_on_three_nodes_reach_each_other_with_their_own_addresses_and_leave_the_cluster_masqueraded()
    {
        await using var lab = await OverlayLab.CreateAsync(OverlayLab.Underlay.SharedSegment, 3);
        await ConvergeAsync(lab, lab.NodeObjects());

        foreach (var (from, to) in new[] { (1, 2), (2, 3), (3, 1), (1, 3) })
        {
            var (exit, body, error) = await lab.PodToPodAsync(from, to);
            Assert.True(exit == 0, $"pod {from} -> pod {to}: curl exit {exit}: {error}");
            // The answering pod saw the caller's real pod address: no masquerade between pods.
            Assert.Equal($"pod-{to} {lab.Nodes[from - 1].PodIp}", body);
        }
        Assert.True(await PingAsync(lab.Nodes[1], lab.Nodes[0]), "ping pod 2 -> pod 1");
        // Pods have MTU 1500, the overlay 1450: full-size TCP segments still get through.
        Assert.Equal(OverlayLab.BigSize.ToString(System.Globalization.CultureInfo.InvariantCulture), await lab.DownloadAsync(1, 2));

        // Leaving the cluster CIDR (a host on the nodes' network): the host sees the node's address.
        var outside = await NetLab.CurlAsync(lab.Nodes[0].PodNs, $"http://{OverlayLab.HostAddress}/cgi-bin/who");
        Assert.True(outside.Exit == 0, $"pod 1 -> host: curl exit {outside.Exit}: {outside.Error}");
        Assert.Equal($"host {lab.Nodes[0].Overlay.NodeIp}", outside.Body);

        // The device as specified: VNI, port, underlay, learning off, MTU of eth0 (1500) minus 50.
        var link = JsonDocument.Parse(await OverlayLab.InAsync(lab.Nodes[0].Ns, "ip", "-j", "-d", "link", "show", "dev", OverlayConstants.Device)).RootElement[0];
        Assert.Equal(1450, link.GetProperty("mtu").GetInt32());
        var vxlan = link.GetProperty("linkinfo").GetProperty("info_data");
        Assert.Equal(1, vxlan.GetProperty("id").GetInt32());
        Assert.Equal(8472, vxlan.GetProperty("port").GetInt32());
        Assert.Equal("eth0", vxlan.GetProperty("link").GetString());
        Assert.False(vxlan.GetProperty("learning").GetBoolean());
        Assert.Equal(lab.Nodes[0].Overlay.VtepMac, link.GetProperty("address").GetString());
        Assert.Equal("1", (await OverlayLab.InAsync(lab.Nodes[0].Ns, "cat", "/proc/sys/net/ipv4/ip_forward")).Trim());
    }

    [Fact]
    public async Task A_restarted_agent_converges_without_duplicates_and_repairs_entries_removed_by_hand()
    {
        await using var lab = await OverlayLab.CreateAsync(OverlayLab.Underlay.SharedSegment, 3);
        var first = await ConvergeAsync(lab, lab.NodeObjects());
        Assert.All(first, plan => Assert.Equal(6, plan.Additions));

        // A second run (new kernel objects, as after an agent restart): nothing to change, nothing doubled.
        var again = await ConvergeAsync(lab, lab.NodeObjects());
        Assert.All(again, plan => Assert.True(plan.IsEmpty, plan.ToString()));
        var node1 = lab.Nodes[0];
        var routes = JsonDocument.Parse(await OverlayLab.InAsync(node1.Ns, "ip", "-j", "route", "show", "dev", OverlayConstants.Device)).RootElement;
        Assert.Equal(["10.42.2.0/24", "10.42.3.0/24"], routes.EnumerateArray().Select(r => r.GetProperty("dst").GetString()).Order());
        var table = await OverlayLab.InAsync(node1.Ns, "nft", "list", "table", "ip", OverlayConstants.NftTable);
        Assert.Single(table.Split('\n'), line => line.Contains("masquerade", StringComparison.Ordinal));
        var addresses = await OverlayLab.InAsync(node1.Ns, "ip", "-4", "-o", "addr", "show", "dev", OverlayConstants.Device);
        Assert.Single(addresses.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("10.42.1.0/32", addresses, StringComparison.Ordinal);

        // Someone deletes a route and an fdb entry: the next pass puts exactly those back.
        await OverlayLab.InAsync(node1.Ns, "ip", "route", "del", "10.42.2.0/24", "dev", OverlayConstants.Device);
        await OverlayLab.InAsync(node1.Ns, "bridge", "fdb", "del", lab.Nodes[2].Overlay.VtepMac, "dev", OverlayConstants.Device, "dst", lab.Nodes[2].Overlay.NodeIp.ToString());
        var repair = await new OverlayReconciler(node1.Kernel, NullLogger.Instance).ReconcileAsync(OverlayPeers.From(lab.NodeObjects(), node1.Overlay), CancellationToken.None);
        Assert.True(repair.Ok, repair.Result.ToString());
        Assert.Equal([new OverlayRoute(System.Net.IPNetwork.Parse("10.42.2.0/24"), System.Net.IPAddress.Parse("10.42.2.0"))], repair.Plan!.AddRoutes);
        Assert.Equal([new OverlayFdbEntry(lab.Nodes[2].Overlay.VtepMac, lab.Nodes[2].Overlay.NodeIp)], repair.Plan.AddFdb);
        Assert.Equal(0, repair.Plan.Removals);
        Assert.Equal(0, (await lab.PodToPodAsync(1, 2)).Exit);
        Assert.Equal(0, (await lab.PodToPodAsync(1, 3)).Exit);
    }

    [Fact]
    public async Task A_node_removed_from_the_list_loses_its_route_neighbour_and_fdb_entry_on_the_others()
    {
        await using var lab = await OverlayLab.CreateAsync(OverlayLab.Underlay.SharedSegment, 3);
        await ConvergeAsync(lab, lab.NodeObjects());
        Assert.True(await PingAsync(lab.Nodes[0], lab.Nodes[2]), "ping pod 1 -> pod 3 before");

        await ConvergeAsync(lab, lab.NodeObjects(1, 2));

        var gone = lab.Nodes[2].Overlay;
        foreach (var node in lab.Nodes.Take(2))
        {
            var state = await ReadAsync(node);
            Assert.DoesNotContain(state.Routes, r => r.Destination == gone.PodCidr);
            Assert.DoesNotContain(state.Neighbours, n => n.Address.Equals(gone.VtepIp) || n.Mac == gone.VtepMac);
            Assert.DoesNotContain(state.Fdb, f => f.Mac == gone.VtepMac || f.Destination.Equals(gone.NodeIp));
            Assert.Single(state.Routes);
        }
        Assert.False(await PingAsync(lab.Nodes[0], lab.Nodes[2]), "pod 3 still reachable from pod 1");
        Assert.Equal("pod-2 10.42.1.2", (await lab.PodToPodAsync(1, 2)).Body);

        // Node 3 comes back at another address (same name, so the same MAC): entries follow it.
        await OverlayLab.InAsync(lab.Nodes[2].Ns, "ip", "addr", "add", "10.77.0.99/24", "dev", "eth0");
        var moved = lab.NodeObjects();
        moved[2].Metadata.Annotations[OverlayConstants.PublicIpAnnotation] = "10.77.0.99";
        var node3 = lab.Nodes[2];
        var movedNode3 = OverlayNode.Parse(node3.Overlay.Name, System.Net.IPAddress.Parse("10.77.0.99"), "10.42.3.0/24", OverlayLab.ClusterCidr);
        Assert.True((await node3.Kernel.SetUpNodeAsync(movedNode3, CancellationToken.None)).Ok);
        Assert.True((await new OverlayReconciler(node3.Kernel, NullLogger.Instance).ReconcileAsync(OverlayPeers.From(moved, movedNode3), CancellationToken.None)).Ok);
        var sync = await new OverlayReconciler(lab.Nodes[0].Kernel, NullLogger.Instance).ReconcileAsync(OverlayPeers.From(moved, lab.Nodes[0].Overlay), CancellationToken.None);
        Assert.True(sync.Ok, sync.Result.ToString());
        Assert.Contains(new OverlayFdbEntry(gone.VtepMac, System.Net.IPAddress.Parse("10.77.0.99")), (await ReadAsync(lab.Nodes[0])).Fdb);
        Assert.DoesNotContain((await ReadAsync(lab.Nodes[0])).Fdb, f => f.Destination.Equals(gone.NodeIp));
        Assert.Equal("pod-3 10.42.1.2", (await lab.PodToPodAsync(1, 3)).Body);
    }

    [Fact]
    public async Task Nodes_on_different_subnets_reach_each_other_through_a_router()
    {
        await using var lab = await OverlayLab.CreateAsync(OverlayLab.Underlay.Routed, 2);
        await ConvergeAsync(lab, lab.NodeObjects());

        Assert.Equal("pod-2 10.42.1.2", (await lab.PodToPodAsync(1, 2)).Body);
        Assert.Equal("pod-1 10.42.2.2", (await lab.PodToPodAsync(2, 1)).Body);
        // The encapsulated packets went to node 2's address on its own subnet, through the router.
        Assert.Contains(new OverlayFdbEntry(lab.Nodes[1].Overlay.VtepMac, System.Net.IPAddress.Parse("10.82.0.2")), (await ReadAsync(lab.Nodes[0])).Fdb);
    }
}
