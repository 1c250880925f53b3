using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.PodTopologySpread;

namespace Timonel.Scheduler.Tests;

public class PodTopologySpreadTests
{
    private const string Zone = "topology.kubernetes.io/zone";

    private static V1Pod Spread(string key, int maxSkew, string when = "DoNotSchedule", int? minDomains = null)
    {
        var pod = Make.Pod("p", labels: Make.Labels("app=web"));
        pod.Spec.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                TopologyKey = key, MaxSkew = maxSkew, WhenUnsatisfiable = when, MinDomains = minDomains,
                LabelSelector = new V1LabelSelector { MatchLabels = Make.Labels("app=web") },
            },
        ];
        return pod;
    }

    private static V1Pod Web(string name, string node) => Make.Pod(name, node: node, labels: Make.Labels("app=web"));

    /// <summary>Zone a: n1, n2; zone b: n3; n4 has no zone label.</summary>
    private static V1Node[] Nodes() =>
    [
        Make.Node("n1", labels: Make.Labels(Zone + "=a")),
        Make.Node("n2", labels: Make.Labels(Zone + "=a")),
        Make.Node("n3", labels: Make.Labels(Zone + "=b")),
        Make.Node("n4"),
    ];

    public static TheoryData<string, V1Pod, string[], string[]> FilterCases => new()
    {
        // name, incoming pod, existing web pods as "name@node", expected fitting nodes
        { "empty cluster: any labelled node", Spread(Zone, 1), [], ["n1", "n2", "n3"] },
        { "zone a ahead by one: only zone b", Spread(Zone, 1), ["w1@n1"], ["n3"] },
        { "skew 2 tolerates one ahead", Spread(Zone, 2), ["w1@n1"], ["n1", "n2", "n3"] },
        { "balanced zones: any", Spread(Zone, 1), ["w1@n1", "w2@n3"], ["n1", "n2", "n3"] },
        { "hostname key: the empty nodes", Spread("kubernetes.io/hostname", 1), ["w1@n1", "w2@n2"], ["n3", "n4"] },
        { "balanced 2 zones but minDomains 3: global min is 0, nothing fits", Spread(Zone, 1, minDomains: 3), ["w1@n1", "w2@n3"], [] },
        { "minDomains 2 with 2 zones: the real minimum", Spread(Zone, 1, minDomains: 2), ["w1@n1", "w2@n3"], ["n1", "n2", "n3"] },
        { "other namespaces' pods do not count", Spread(Zone, 1), ["other/w1@n1"], ["n1", "n2", "n3"] },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter(string name, V1Pod pod, string[] existing, string[] expected)
    {
        var pods = existing.Select(e =>
        {
            var (who, node) = (e.Split('@')[0], e.Split('@')[1]);
            var p = Web(who.Split('/')[^1], node);
            if (who.Contains('/', StringComparison.Ordinal))
            {
                p.Metadata.NamespaceProperty = who.Split('/')[0];
            }
            return p;
        });
        var snapshot = Make.Snapshot(Nodes(), pods);
        var plugin = new PodTopologySpreadPlugin();
        var state = new CycleState(snapshot);
        var info = new PodInfo(pod);
        Assert.True(plugin.PreFilter(state, info, snapshot).IsSuccess);
        var fitting = snapshot.Nodes.Where(n => plugin.Filter(state, info, n).IsSuccess).Select(n => n.Name).ToArray();
        Assert.True(expected.SequenceEqual(fitting), $"{name}: got {string.Join(",", fitting)}");
    }

    [Fact]
    public void Missing_topology_label_is_unresolvable_and_skew_is_unschedulable()
    {
        var snapshot = Make.Snapshot(Nodes(), [Web("w1", "n1")]);
        var plugin = new PodTopologySpreadPlugin();
        var state = new CycleState(snapshot);
        var info = new PodInfo(Spread(Zone, 1));
        plugin.PreFilter(state, info, snapshot);
        var missing = plugin.Filter(state, info, snapshot.Get("n4")!);
        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, missing.Code);
        Assert.Equal("node(s) didn't match pod topology spread constraints (missing required label)", missing.Message);
        var skewed = plugin.Filter(state, info, snapshot.Get("n1")!);
        Assert.Equal(StatusCode.Unschedulable, skewed.Code);
        Assert.Equal("node(s) didn't match pod topology spread constraints", skewed.Message);
    }

    [Fact]
    public void ScheduleAnyway_scores_the_emptier_zone_higher()
    {
        var snapshot = Make.Snapshot(Nodes(), [Web("w1", "n1"), Web("w2", "n2"), Web("w3", "n3")]);
        var plugin = new PodTopologySpreadPlugin();
        var state = new CycleState(snapshot);
        var info = new PodInfo(Spread(Zone, 1, "ScheduleAnyway"));
        Assert.True(plugin.PreFilter(state, info, snapshot).IsSuccess);
        plugin.PreScore(state, info, snapshot, snapshot.Nodes);
        var scores = snapshot.Nodes.Select(n => plugin.Score(state, info, n)).ToArray();
        plugin.NormalizeScore(state, info, scores);
        // Zone a has 2 pods, zone b 1, n4 is ignored (no zone label).
        Assert.True(scores[2] > scores[0], string.Join(",", scores));
        Assert.Equal(scores[0], scores[1]);
        Assert.Equal(100, scores[2]);
        Assert.Equal(0, scores[3]);
    }

    [Fact]
    public void Pods_of_a_service_get_the_default_spreading_when_they_have_no_constraints()
    {
        var snapshot = Make.Snapshot(Nodes().Take(3), [Web("w1", "n1"), Web("w2", "n2")]);
        var workloads = new WorkloadSelectors();
        var plugin = new PodTopologySpreadPlugin(workloads);
        var pod = new PodInfo(Make.Pod("p", labels: Make.Labels("app=web")));
        long[] Scores()
        {
            var state = new CycleState(snapshot);
            plugin.PreFilter(state, pod, snapshot);
            plugin.PreScore(state, pod, snapshot, snapshot.Nodes);
            var scores = snapshot.Nodes.Select(n => plugin.Score(state, pod, n)).ToArray();
            plugin.NormalizeScore(state, pod, scores);
            return scores;
        }
        // No workload owns the pod: no default constraints, no preference.
        Assert.Equal([0L, 0L, 0L], Scores());
        workloads.SetService("default", "web", Make.Labels("app=web"));
        var scores = Scores();
        Assert.Equal(100, scores[2]);
        Assert.True(scores[0] < scores[2] && scores[1] < scores[2], string.Join(",", scores));
        // A service in another namespace does not own it.
        workloads.SetService("default", "web", null);
        workloads.SetService("other", "web", Make.Labels("app=web"));
        Assert.Equal([0L, 0L, 0L], Scores());
    }
}
