using k8s.Models;

namespace Timonel.Scheduler.E2E.Tests;

/// <summary>Placements decided by NodeUnschedulable, NodeName, NodePorts, NodeResourcesFit and the resource scores.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ResourcePlacementTests(Cluster cluster)
{
    [Fact]
    public async Task A_cordoned_node_is_never_chosen_and_kubectl_shows_each_pods_node()
    {
        await using var nodes = await cluster.AddNodesAsync("cordon-", 2);
        await cluster.PatchNodeAsync(nodes[0], """{"spec":{"unschedulable":true}}""");
        var ns = await cluster.NewNamespaceAsync("cordon");
        var names = Enumerable.Range(0, 4).Select(i => $"web-{i}").ToList();
        foreach (var name in names) await cluster.CreatePodAsync(Pods.Make(ns, name));

        var placement = await cluster.WaitAllBoundAsync(ns, names);

        // Without the cordon the emptier-node score would spread them 2/2.
        Assert.All(placement.Values, node => Assert.Equal(nodes[1], node));
        using var kubectl = new Kubectl(cluster.Server);
        var rows = Kubectl.Rows(await kubectl.OkAsync("get", "pods", "-n", ns, "-o", "wide"));
        var nodeColumn = Array.IndexOf(rows[0], "NODE");
        Assert.True(nodeColumn > 0, string.Join(" | ", rows[0]));
        Assert.Equal(names, rows.Skip(1).Select(r => r[0]).Order());
        Assert.All(rows.Skip(1), r => Assert.Equal(nodes[1], r[nodeColumn]));
    }

    [Fact]
    public async Task A_pod_with_nodeName_skips_the_scheduler_and_counts_on_its_node()
    {
        await using var nodes = await cluster.AddNodesAsync("pinned-", 2);
        var ns = await cluster.NewNamespaceAsync("pinned");
        await cluster.CreatePodAsync(Pods.Make(ns, "pinned", cpu: "3", configure: s => s.NodeName = nodes[0]));
        await cluster.CreatePodAsync(Pods.Make(ns, "free", cpu: "2"));

        Assert.Equal(nodes[0], await cluster.WaitBoundAsync(ns, "pinned"));
        Assert.Equal(nodes[1], await cluster.WaitBoundAsync(ns, "free"));
        await cluster.WaitEventAsync(ns, "free", "Scheduled");
        Assert.DoesNotContain(await cluster.EventsOfAsync(ns, "pinned"), e => e.Reason is "Scheduled" or "FailedScheduling");
    }

    [Fact]
    public async Task Pods_asking_for_the_same_host_port_never_share_a_node()
    {
        await using var nodes = await cluster.AddNodesAsync("ports-", 2);
        var ns = await cluster.NewNamespaceAsync("ports");
        Action<V1PodSpec> HostPort(int port) => s => s.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = port, Protocol = "TCP" }];
        await cluster.CreatePodAsync(Pods.Make(ns, "a", configure: HostPort(8080)));
        await cluster.CreatePodAsync(Pods.Make(ns, "b", configure: HostPort(8080)));
        var placement = await cluster.WaitAllBoundAsync(ns, ["a", "b"]);
        Assert.NotEqual(placement["a"], placement["b"]);

        await cluster.CreatePodAsync(Pods.Make(ns, "c", configure: HostPort(8080)));
        var condition = await cluster.WaitUnschedulableAsync(ns, "c");
        Assert.StartsWith("0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.", condition.Message);

        await cluster.CreatePodAsync(Pods.Make(ns, "d", configure: HostPort(8081)));
        Assert.Contains(await cluster.WaitBoundAsync(ns, "d"), nodes.Names);
    }

    [Fact]
    public async Task A_big_pod_goes_to_the_big_node_and_one_that_fits_nowhere_waits_for_a_node_that_fits()
    {
        await using var small = await cluster.AddNodesAsync("fit-small-", 1, cpu: "2");
        await using var big = await cluster.AddNodesAsync("fit-big-", 1, cpu: "8");
        var ns = await cluster.NewNamespaceAsync("fit");
        await cluster.CreatePodAsync(Pods.Make(ns, "big", cpu: "3"));
        Assert.Equal(big[0], await cluster.WaitBoundAsync(ns, "big"));

        await cluster.CreatePodAsync(Pods.Make(ns, "huge", cpu: "16"));
        var condition = await cluster.WaitUnschedulableAsync(ns, "huge");
        Assert.Equal("Unschedulable", condition.Reason);
        Assert.StartsWith("0/2 nodes are available: 2 Insufficient cpu.", condition.Message);
        var failed = await cluster.WaitEventAsync(ns, "huge", "FailedScheduling");
        Assert.Equal("Warning", failed.Type);
        Assert.StartsWith("0/2 nodes are available: 2 Insufficient cpu.", failed.Message);
        using var kubectl = new Kubectl(cluster.Server);
        var pending = await kubectl.OkAsync("describe", "pod", "huge", "-n", ns);
        Assert.Contains("FailedScheduling", pending);
        Assert.Contains("0/2 nodes are available: 2 Insufficient cpu.", pending);

        await using var huge = await cluster.AddNodesAsync("fit-huge-", 1, cpu: "32");
        Assert.Equal(huge[0], await cluster.WaitBoundAsync(ns, "huge"));
        await cluster.WaitEventAsync(ns, "huge", "Scheduled");
        var described = await kubectl.OkAsync("describe", "pod", "huge", "-n", ns);
        Assert.Contains($"Successfully assigned {ns}/huge to {huge[0]}", described);
        Assert.Matches(@"Node:\s+" + huge[0], described);
    }

    [Fact]
    public async Task Equal_pods_spread_onto_the_emptier_node()
    {
        await using var nodes = await cluster.AddNodesAsync("least-", 2);
        var ns = await cluster.NewNamespaceAsync("least");
        var names = Enumerable.Range(0, 4).Select(i => $"p-{i}").ToList();
        foreach (var name in names) await cluster.CreatePodAsync(Pods.Make(ns, name, cpu: "500m", memory: "1Gi"));

        var placement = await cluster.WaitAllBoundAsync(ns, names);

        Assert.Equal(2, placement.Values.Count(n => n == nodes[0]));
        Assert.Equal(2, placement.Values.Count(n => n == nodes[1]));
    }

    [Fact]
    public async Task A_cpu_heavy_pod_goes_where_it_balances_cpu_and_memory()
    {
        // Both nodes leave the incoming pod the same free share on average (LeastAllocated ties);
        // only BalancedAllocation prefers the node whose memory is already in use.
        await using var nodes = await cluster.AddNodesAsync("balance-", 2);
        var ns = await cluster.NewNamespaceAsync("balance");
        await cluster.CreatePodAsync(Pods.Make(ns, "cpu-user", cpu: "2", memory: "1Mi", configure: s => s.NodeName = nodes[0]));
        await cluster.CreatePodAsync(Pods.Make(ns, "memory-user", cpu: "1m", memory: "16Gi", configure: s => s.NodeName = nodes[1]));
        await cluster.CreatePodAsync(Pods.Make(ns, "incoming", cpu: "2", memory: "2Gi"));

        Assert.Equal(nodes[1], await cluster.WaitBoundAsync(ns, "incoming"));
    }
}
