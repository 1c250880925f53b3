using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.PodTopologySpread;

namespace Timonel.Scheduler.Tests;

/// <summary>
/// The matching-pod counts memoized on NodeInfo instances must follow every change of a node's
/// pods (bound, assumed, forgotten, terminating, deleted) and leave the spreading scores exactly
/// as an uncached computation gives them.
/// </summary>
public class PodTopologySpreadMemoTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private static readonly V1LabelSelector WebSelector = new() { MatchLabels = Make.Labels("app=web") };

    private static V1Pod Pod(string spec, string? node = null)
    {
        // "[ns/]name[:label=value]"
        var (who, labels) = spec.Contains(':', StringComparison.Ordinal) ? (spec.Split(':')[0], spec.Split(':')[1]) : (spec, "app=web");
        var ns = who.Contains('/', StringComparison.Ordinal) ? who.Split('/')[0] : "default";
        var pod = Make.Pod(who.Split('/')[^1], node: node, labels: Make.Labels(labels), ns: ns);
        pod.Metadata.OwnerReferences = [new V1OwnerReference { Kind = "ReplicaSet", Name = "web", ApiVersion = "apps/v1", Uid = "rs", Controller = true }];
        return pod;
    }

    /// <summary>Applies one step ("verb pod [node]") to the cache.</summary>
    private static void Apply(SchedulerCache cache, string step)
    {
        var parts = step.Split(' ');
        var key = (parts[1].Contains('/', StringComparison.Ordinal) ? "" : "default/") + parts[1].Split(':')[0];
        switch (parts[0])
        {
            case "bind":
                cache.AddOrUpdatePod(Pod(parts[1], parts[2]));
                break;
            case "assume":
                cache.AssumePod(new PodInfo(Pod(parts[1])), parts[2]);
                break;
            case "forget":
                cache.ForgetPod(key);
                break;
            case "delete":
                cache.RemovePod(key);
                break;
            case "terminate":
                var terminating = Pod(parts[1], parts[2]);
                terminating.Metadata.DeletionTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
                cache.AddOrUpdatePod(terminating);
                break;
            case "relabel":
                cache.AddOrUpdateNode(Make.Node(parts[1], labels: Make.Labels(Zone + "=" + parts[2])));
                break;
            default:
                throw new ArgumentException(step);
        }
    }

    public static TheoryData<string, string[], int> CountCases => new()
    {
        // name, steps, expected web pods in namespace default counted on n1
        { "bound pod", ["bind w1 n1"], 1 },
        { "assumed pod counts", ["bind w1 n1", "assume w2 n1"], 2 },
        { "forgotten assumed pod stops counting", ["bind w1 n1", "assume w2 n1", "forget w2"], 1 },
        { "assumed pod confirmed counts once", ["assume w2 n1", "bind w2 n1"], 1 },
        { "assumed then bound elsewhere leaves n1", ["assume w2 n1", "bind w2 n2"], 0 },
        { "deleted pod stops counting", ["bind w1 n1", "bind w2 n1", "delete w1"], 1 },
        { "terminating pod stops counting", ["bind w1 n1", "bind w2 n1", "terminate w2 n1"], 1 },
        { "other namespace and other labels do not count", ["bind w1 n1", "bind other/w2 n1", "bind w3:app=db n1"], 1 },
        { "node update keeps the pods and their count", ["bind w1 n1", "relabel n1 b", "bind w2 n1"], 2 },
    };

    [Theory]
    [MemberData(nameof(CountCases))]
    public void Memoized_counts_follow_the_node_pods(string name, string[] steps, int expected)
    {
        var cache = new SchedulerCache(TimeProvider.System, TimeSpan.FromSeconds(30));
        cache.AddOrUpdateNode(Make.Node("n1", labels: Make.Labels(Zone + "=a")));
        cache.AddOrUpdateNode(Make.Node("n2", labels: Make.Labels(Zone + "=a")));
        var incoming = new PodInfo(Pod("incoming"));
        var constraint = new SpreadConstraint(SpreadConstraint.Hostname, 3, 1, LabelSelector.FromModel(WebSelector), false);
        foreach (var step in steps)
        {
            Apply(cache, step);
            // Counting after every step fills the memo of each snapshot's nodes, so a memo wrongly
            // carried into the next NodeInfo would show up as a stale count.
            foreach (var node in cache.Current().Nodes)
            {
                Assert.Equal(constraint.Scan(incoming, node), constraint.CountOn(incoming, node));
            }
        }
        var n1 = cache.Current().Get("n1")!;
        Assert.True(expected == constraint.CountOn(incoming, n1), $"{name}: memo gave {constraint.CountOn(incoming, n1)}");
        Assert.Equal(expected, constraint.Scan(incoming, n1));
    }

    public static TheoryData<string, string, bool> KeyCases => new()
    {
        // name, selector as a query string, same key as "app=web,tier in (a,b)"
        { "requirements reordered", "tier in (b,a),app=web", true },
        { "duplicate set value", "app=web,tier in (a,b,a)", true },
        { "other value", "app=web,tier in (a,c)", false },
        { "notin instead of in", "app=web,tier notin (a,b)", false },
        { "missing requirement", "app=web", false },
        { "value moved between keys", "app=webtier,tier in (a,b)", false },
    };

    [Theory]
    [MemberData(nameof(KeyCases))]
    public void Canonical_selector_keys_differ_exactly_when_selection_may_differ(string name, string selector, bool same)
    {
        Assert.True(LabelSelector.TryParse("app=web,tier in (a,b)", out var reference, out _));
        Assert.True(LabelSelector.TryParse(selector, out var other, out var error), error);
        Assert.True(same == (SelectorMatcher.CanonicalKey(reference) == SelectorMatcher.CanonicalKey(other)), name);
        Assert.NotEqual(SelectorMatcher.CanonicalKey(LabelSelector.Everything), SelectorMatcher.CanonicalKey(LabelSelector.Nothing));
    }

    /// <summary>
    /// A long-lived cache with warm memos, changed at random (binds, assumptions, forgets,
    /// deletions, terminations, node updates), scores every node exactly as a plain recount does.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Scores_equal_the_uncached_computation(int seed)
    {
        var random = new Random(seed);
        var cache = new SchedulerCache(TimeProvider.System, TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
        {
            // n9 has no zone label: ignored by scoring.
            cache.AddOrUpdateNode(Make.Node($"n{i}", labels: i == 9 ? null : Make.Labels($"{Zone}=z{i % 3}")));
        }
        var workloads = new WorkloadSelectors();
        workloads.SetController("ReplicaSet", "default", "web", WebSelector);
        var plugin = new PodTopologySpreadPlugin(workloads);
        var incoming = new PodInfo(Pod("incoming"));
        string[] names = ["w1", "w2", "w3", "w4", "w5", "w6", "other/w7", "w8:app=db"];
        for (var step = 0; step < 400; step++)
        {
            var who = names[random.Next(names.Length)];
            var node = $"n{random.Next(10)}";
            string[] verbs = ["bind", "bind", "assume", "forget", "delete", "terminate", "relabel"];
            var verb = verbs[random.Next(verbs.Length)];
            Apply(cache, verb == "relabel" ? $"relabel {node} z{random.Next(3)}" : $"{verb} {who} {node}");
            var snapshot = cache.Current();
            // The plugin sees a random subset of nodes as feasible, as the adaptive search does.
            var feasible = snapshot.Nodes.Where(_ => random.Next(3) > 0).ToArray();
            Assert.Equal(Reference(incoming, snapshot, feasible), Scores(plugin, incoming, snapshot, feasible));
        }
    }

    private static long[] Scores(PodTopologySpreadPlugin plugin, PodInfo pod, Snapshot snapshot, NodeInfo[] feasible)
    {
        var state = new CycleState(snapshot);
        plugin.PreFilter(state, pod, snapshot);
        plugin.PreScore(state, pod, snapshot, feasible);
        var scores = feasible.Select(n => plugin.Score(state, pod, n)).ToArray();
        plugin.NormalizeScore(state, pod, scores);
        return scores;
    }

    /// <summary>
    /// The default spreading written out with plain recounts: hostname maxSkew 3 and zone maxSkew 5,
    /// raw score sum of (matching + maxSkew - 1) * log(domains among feasible + 2), then
    /// 100 * (max + min - s) / max; nodes without a zone get 0.
    /// </summary>
    private static long[] Reference(PodInfo pod, Snapshot snapshot, NodeInfo[] feasible)
    {
        bool Counts(PodInfo p) => p.Namespace == pod.Namespace && p.Pod.Metadata.DeletionTimestamp is null && p.Labels.TryGetValue("app", out var app) && app == "web";
        int On(NodeInfo n) => n.Pods.Count(Counts);
        var zoned = feasible.Where(n => n.Labels.ContainsKey(Zone)).ToArray();
        var zones = zoned.Select(n => n.Labels[Zone]).Distinct().ToArray();
        var perZone = zones.ToDictionary(z => z, z => snapshot.Nodes.Where(n => n.Labels.TryGetValue(Zone, out var v) && v == z).Sum(On));
        double hostWeight = Math.Log(zoned.Length + 2), zoneWeight = Math.Log(zones.Length + 2);
        var raw = feasible.Select(n => n.Labels.TryGetValue(Zone, out var z)
            ? (long)Math.Round((On(n) + 2) * hostWeight + (perZone[z] + 4) * zoneWeight)
            : -1).ToArray();
        var valid = raw.Where(s => s >= 0).ToArray();
        if (valid.Length == 0)
        {
            return raw.Select(_ => 0L).ToArray();
        }
        long min = valid.Min(), max = valid.Max();
        return raw.Select(s => s < 0 ? 0 : max == 0 ? 100 : 100 * (max + min - s) / max).ToArray();
    }
}
