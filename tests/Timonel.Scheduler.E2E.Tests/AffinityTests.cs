using k8s.Models;

namespace Timonel.Scheduler.E2E.Tests;

/// <summary>Placements decided by NodeAffinity, TaintToleration, PodTopologySpread, InterPodAffinity and ImageLocality.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AffinityTests(Cluster cluster)
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Hostname = "kubernetes.io/hostname";

    [Fact]
    public async Task NodeSelector_and_required_and_preferred_node_affinity_choose_the_labelled_nodes()
    {
        await using var nodes = await cluster.AddNodesAsync("affinity-", 3);
        await cluster.PatchNodeAsync(nodes[0], """{"metadata":{"labels":{"disktype":"ssd"}}}""");
        await cluster.PatchNodeAsync(nodes[1], """{"metadata":{"labels":{"disktype":"hdd"}}}""");
        await cluster.PatchNodeAsync(nodes[2], """{"metadata":{"labels":{"disktype":"ssd","tier":"gold"}}}""");
        var ns = await cluster.NewNamespaceAsync("affinity");

        await cluster.CreatePodAsync(Pods.Make(ns, "on-hdd", configure: s => s.NodeSelector = new Dictionary<string, string> { ["disktype"] = "hdd" }));
        var ssdOnly = new[] { "ssd-0", "ssd-1", "ssd-2" };
        foreach (var name in ssdOnly)
        {
            await cluster.CreatePodAsync(Pods.Make(ns, name, configure: s => s.Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [Term("disktype", "In", "ssd")] },
            } }));
        }
        await cluster.CreatePodAsync(Pods.Make(ns, "prefers-gold", configure: s => s.Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [Term("disktype", "In", "ssd")] },
            PreferredDuringSchedulingIgnoredDuringExecution = [new V1PreferredSchedulingTerm { Weight = 100, Preference = Term("tier", "In", "gold") }],
        } }));
        await cluster.CreatePodAsync(Pods.Make(ns, "on-nvme", configure: s => s.NodeSelector = new Dictionary<string, string> { ["disktype"] = "nvme" }));

        Assert.Equal(nodes[1], await cluster.WaitBoundAsync(ns, "on-hdd"));
        Assert.All((await cluster.WaitAllBoundAsync(ns, ssdOnly)).Values, n => Assert.Contains(n, new[] { nodes[0], nodes[2] }));
        Assert.Equal(nodes[2], await cluster.WaitBoundAsync(ns, "prefers-gold"));
        var condition = await cluster.WaitUnschedulableAsync(ns, "on-nvme");
        Assert.StartsWith("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", condition.Message);
    }

    [Fact]
    public async Task Taints_keep_intolerant_pods_off_and_tolerating_pods_may_land()
    {
        await using var nodes = await cluster.AddNodesAsync("taint-", 3);
        await cluster.PatchNodeAsync(nodes[0], """{"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}}""");
        await cluster.PatchNodeAsync(nodes[1], """{"spec":{"taints":[{"key":"spot","value":"true","effect":"PreferNoSchedule"}]}}""");
        var ns = await cluster.NewNamespaceAsync("taint");
        var plain = Enumerable.Range(0, 4).Select(i => $"plain-{i}").ToList();
        foreach (var name in plain) await cluster.CreatePodAsync(Pods.Make(ns, name));
        Assert.All((await cluster.WaitAllBoundAsync(ns, plain)).Values, n => Assert.Equal(nodes[2], n));

        var tolerating = new[] { "gpu-0", "gpu-1" };
        foreach (var name in tolerating)
        {
            await cluster.CreatePodAsync(Pods.Make(ns, name, configure: s => s.Tolerations =
                [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "gpu", Effect = "NoSchedule" }]));
        }
        // The tainted node is the emptiest one they may use.
        Assert.All((await cluster.WaitAllBoundAsync(ns, tolerating)).Values, n => Assert.Equal(nodes[0], n));
    }

    [Fact]
    public async Task Zone_spread_with_max_skew_one_fills_both_zones_evenly()
    {
        // Three nodes in zone a, one in zone b: the emptier-node score alone would put most pods in a.
        await using var nodes = await cluster.AddNodesAsync("spread-", 4);
        for (var i = 0; i < 4; i++)
        {
            var zone = i < 3 ? "zone-a" : "zone-b";
            await cluster.PatchNodeAsync(nodes[i], System.Text.Json.JsonSerializer.Serialize(new { metadata = new { labels = new Dictionary<string, string> { [Zone] = zone } } }));
        }
        var ns = await cluster.NewNamespaceAsync("spread");
        var names = Enumerable.Range(0, 6).Select(i => $"web-{i}").ToList();
        foreach (var name in names)
        {
            await cluster.CreatePodAsync(Pods.Make(ns, name, labels: Pods.Labels(("app", "web")), configure: s => s.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = 1,
                    TopologyKey = Zone,
                    WhenUnsatisfiable = "DoNotSchedule",
                    LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                },
            ]));
        }

        var placement = await cluster.WaitAllBoundAsync(ns, names);

        Assert.Equal(3, placement.Values.Count(n => n == nodes[3]));
    }

    [Fact]
    public async Task Pod_anti_affinity_keeps_pods_apart_and_affinity_puts_them_together()
    {
        await using var nodes = await cluster.AddNodesAsync("podaff-", 3);
        var ns = await cluster.NewNamespaceAsync("podaff");
        var db = new[] { "db-0", "db-1", "db-2", "db-3" };
        foreach (var name in db)
        {
            await cluster.CreatePodAsync(Pods.Make(ns, name, labels: Pods.Labels(("app", "db")), configure: s => s.Affinity = new V1Affinity
            {
                PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [PodTerm("app", "db")] },
            }));
        }
        var placed = await cluster.WaitAllBoundAsync(ns, db[..3]);
        Assert.Equal(3, placed.Values.Distinct().Count());
        var condition = await cluster.WaitUnschedulableAsync(ns, "db-3");
        Assert.StartsWith("0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.", condition.Message);

        await cluster.CreatePodAsync(Pods.Make(ns, "cache", labels: Pods.Labels(("app", "cache"))));
        var cacheNode = await cluster.WaitBoundAsync(ns, "cache");
        var clients = new[] { "client-0", "client-1", "client-2" };
        foreach (var name in clients)
        {
            await cluster.CreatePodAsync(Pods.Make(ns, name, configure: s => s.Affinity = new V1Affinity
            {
                PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [PodTerm("app", "cache")] },
            }));
        }
        Assert.All((await cluster.WaitAllBoundAsync(ns, clients)).Values, n => Assert.Equal(cacheNode, n));
    }

    [Fact]
    public async Task Pods_prefer_the_node_that_already_has_their_image()
    {
        await using var nodes = await cluster.AddNodesAsync("image-", 2);
        (await cluster.Api.PatchAsync<V1Node>(null, nodes[1], Client.Api.PatchType.Merge,
            """{"status":{"images":[{"names":["example.com/big-app:1"],"sizeBytes":900000000}]}}""", subresource: "status")).Require();
        var ns = await cluster.NewNamespaceAsync("image");
        foreach (var name in new[] { "app-0", "app-1" })
        {
            await cluster.CreatePodAsync(Pods.Make(ns, name, configure: s => s.Containers[0].Image = "example.com/big-app:1"));
        }

        Assert.All((await cluster.WaitAllBoundAsync(ns, ["app-0", "app-1"])).Values, n => Assert.Equal(nodes[1], n));
    }

    private static V1NodeSelectorTerm Term(string key, string op, string value) =>
        new() { MatchExpressions = [new V1NodeSelectorRequirement { Key = key, OperatorProperty = op, Values = [value] }] };

    private static V1PodAffinityTerm PodTerm(string key, string value) => new()
    {
        TopologyKey = Hostname,
        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [key] = value } },
    };
}
