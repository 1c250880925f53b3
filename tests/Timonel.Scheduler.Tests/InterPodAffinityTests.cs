using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.InterPodAffinity;

namespace Timonel.Scheduler.Tests;

public class InterPodAffinityTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Host = "kubernetes.io/hostname";

    private static V1PodAffinityTerm Term(string app, string key) =>
        new() { TopologyKey = key, LabelSelector = new V1LabelSelector { MatchLabels = Make.Labels("app=" + app) } };

    private static V1Pod WithAffinity(V1Pod pod, V1PodAffinityTerm[]? affinity = null, V1PodAffinityTerm[]? anti = null,
        V1WeightedPodAffinityTerm[]? preferred = null, V1WeightedPodAffinityTerm[]? preferredAnti = null)
    {
        pod.Spec.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = affinity, PreferredDuringSchedulingIgnoredDuringExecution = preferred },
            PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = anti, PreferredDuringSchedulingIgnoredDuringExecution = preferredAnti },
        };
        return pod;
    }

    /// <summary>Zone a: n1, n2; zone b: n3.</summary>
    private static V1Node[] Nodes() =>
    [
        Make.Node("n1", labels: Make.Labels(Zone + "=a")),
        Make.Node("n2", labels: Make.Labels(Zone + "=a")),
        Make.Node("n3", labels: Make.Labels(Zone + "=b")),
    ];

    private static Dictionary<string, Status> FilterAll(V1Pod pod, params V1Pod[] existing)
    {
        var snapshot = Make.Snapshot(Nodes(), existing);
        var plugin = new InterPodAffinityPlugin();
        var state = new CycleState(snapshot);
        var info = new PodInfo(pod);
        plugin.PreFilter(state, info, snapshot);
        return snapshot.Nodes.ToDictionary(n => n.Name, n => plugin.Filter(state, info, n));
    }

    private static string[] Fitting(Dictionary<string, Status> statuses) => statuses.Where(s => s.Value.IsSuccess).Select(s => s.Key).ToArray();

    [Fact]
    public void Required_affinity_follows_the_matching_pod_zone()
    {
        var db = Make.Pod("db", node: "n3", labels: Make.Labels("app=db"));
        var statuses = FilterAll(WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")), affinity: [Term("db", Zone)]), db);
        Assert.Equal(["n3"], Fitting(statuses));
        Assert.Equal(StatusCode.UnschedulableAndUnresolvable, statuses["n1"].Code);
        Assert.Equal("node(s) didn't match pod affinity rules", statuses["n1"].Message);
    }

    [Fact]
    public void First_pod_of_a_self_affine_group_may_go_anywhere()
    {
        var statuses = FilterAll(WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")), affinity: [Term("web", Zone)]));
        Assert.Equal(["n1", "n2", "n3"], Fitting(statuses));
        var notSelf = FilterAll(WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")), affinity: [Term("db", Zone)]));
        Assert.Empty(Fitting(notSelf));
    }

    [Fact]
    public void Required_anti_affinity_avoids_the_domain_of_matching_pods()
    {
        var other = Make.Pod("w1", node: "n1", labels: Make.Labels("app=web"));
        var byZone = FilterAll(WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")), anti: [Term("web", Zone)]), other);
        Assert.Equal(["n3"], Fitting(byZone));
        Assert.Equal("node(s) didn't match pod anti-affinity rules", byZone["n2"].Message);
        Assert.Equal(StatusCode.Unschedulable, byZone["n2"].Code);
        var byHost = FilterAll(WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")), anti: [Term("web", Host)]), other);
        Assert.Equal(["n2", "n3"], Fitting(byHost));
    }

    [Fact]
    public void Existing_pods_anti_affinity_repels_the_incoming_pod()
    {
        var loner = WithAffinity(Make.Pod("loner", node: "n1", labels: Make.Labels("app=loner")), anti: [Term("web", Zone)]);
        var statuses = FilterAll(Make.Pod("web", labels: Make.Labels("app=web")), loner);
        Assert.Equal(["n3"], Fitting(statuses));
        Assert.Equal("node(s) didn't satisfy existing pods anti-affinity rules", statuses["n2"].Message);
        // A pod the loner's term does not select is unaffected.
        Assert.Equal(3, Fitting(FilterAll(Make.Pod("db", labels: Make.Labels("app=db")), loner)).Length);
    }

    [Fact]
    public void Namespaces_scope_the_terms()
    {
        var dbElsewhere = Make.Pod("db", node: "n3", labels: Make.Labels("app=db"), ns: "other");
        var statuses = FilterAll(WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")), anti: [Term("db", Zone)]), dbElsewhere);
        Assert.Equal(["n1", "n2", "n3"], Fitting(statuses));
    }

    [Fact]
    public void Preferred_terms_score_affinity_up_and_anti_affinity_down()
    {
        var snapshot = Make.Snapshot(Nodes(),
        [
            Make.Pod("cache", node: "n1", labels: Make.Labels("app=cache")),
            Make.Pod("batch", node: "n3", labels: Make.Labels("app=batch")),
        ]);
        var pod = WithAffinity(Make.Pod("web", labels: Make.Labels("app=web")),
            preferred: [new V1WeightedPodAffinityTerm { PodAffinityTerm = Term("cache", Host), Weight = 10 }],
            preferredAnti: [new V1WeightedPodAffinityTerm { PodAffinityTerm = Term("batch", Zone), Weight = 5 }]);
        var plugin = new InterPodAffinityPlugin();
        var state = new CycleState(snapshot);
        var info = new PodInfo(pod);
        plugin.PreScore(state, info, snapshot, snapshot.Nodes);
        var scores = snapshot.Nodes.Select(n => plugin.Score(state, info, n)).ToArray();
        Assert.Equal([10L, 0L, -5L], scores);
        plugin.NormalizeScore(state, info, scores);
        Assert.Equal([100L, 33L, 0L], scores);
    }
}
