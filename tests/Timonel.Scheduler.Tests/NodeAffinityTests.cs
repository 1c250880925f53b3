using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.NodeAffinity;

namespace Timonel.Scheduler.Tests;

public class NodeAffinityTests
{
    private static V1NodeSelectorRequirement Req(string key, string op, params string[] values) =>
        new() { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values };

    private static V1Pod Required(params V1NodeSelectorTerm[] terms)
    {
        var pod = Make.Pod("p");
        pod.Spec.Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = terms } } };
        return pod;
    }

    public static TheoryData<string, V1NodeSelectorRequirement, bool> OperatorCases => new()
    {
        { "In matches", Req("zone", "In", "a", "b"), true },
        { "In misses", Req("zone", "In", "c"), false },
        { "NotIn", Req("zone", "NotIn", "c"), true },
        { "NotIn on missing label matches", Req("missing", "NotIn", "c"), true },
        { "Exists", Req("zone", "Exists"), true },
        { "DoesNotExist", Req("zone", "DoesNotExist"), false },
        { "DoesNotExist on missing label", Req("missing", "DoesNotExist"), true },
        { "Gt true", Req("cores", "Gt", "7"), true },
        { "Gt false", Req("cores", "Gt", "8"), false },
        { "Lt true", Req("cores", "Lt", "9"), true },
        { "Lt on non-integer label", Req("zone", "Lt", "9"), false },
    };

    [Theory]
    [MemberData(nameof(OperatorCases))]
    public void Required_terms_operators(string name, V1NodeSelectorRequirement requirement, bool fits)
    {
        var node = Make.Node("n1", labels: Make.Labels("zone=a", "cores=8"));
        var snapshot = Make.Snapshot([node]);
        var status = new NodeAffinityPlugin().Filter(new CycleState(snapshot), new PodInfo(Required(new V1NodeSelectorTerm { MatchExpressions = [requirement] })), snapshot.Nodes[0]);
        Assert.Equal(fits, status.IsSuccess);
        if (!fits)
        {
            Assert.Equal("node(s) didn't match Pod's node affinity/selector", status.Message);
            Assert.Equal(StatusCode.UnschedulableAndUnresolvable, status.Code);
        }
        Assert.NotNull(name);
    }

    [Fact]
    public void Terms_are_ORed_and_expressions_ANDed_and_matchFields_picks_by_name()
    {
        var snapshot = Make.Snapshot([Make.Node("n1", labels: Make.Labels("zone=a")), Make.Node("n2", labels: Make.Labels("zone=b"))]);
        var plugin = new NodeAffinityPlugin();
        List<string> Fitting(V1Pod pod)
        {
            var state = new CycleState(snapshot);
            var info = new PodInfo(pod);
            plugin.PreFilter(state, info, snapshot);
            return snapshot.Nodes.Where(n => plugin.Filter(state, info, n).IsSuccess).Select(n => n.Name).ToList();
        }
        var or = Required(new V1NodeSelectorTerm { MatchExpressions = [Req("zone", "In", "a")] }, new V1NodeSelectorTerm { MatchExpressions = [Req("zone", "In", "b")] });
        Assert.Equal(["n1", "n2"], Fitting(or));
        var and = Required(new V1NodeSelectorTerm { MatchExpressions = [Req("zone", "In", "a", "b"), Req("zone", "NotIn", "a")] });
        Assert.Equal(["n2"], Fitting(and));
        var byName = Required(new V1NodeSelectorTerm { MatchFields = [Req("metadata.name", "In", "n2")] });
        Assert.Equal(["n2"], Fitting(byName));
        var state = new CycleState(snapshot);
        plugin.PreFilter(state, new PodInfo(byName), snapshot);
        Assert.Equal(["n2"], state.PreFilterNodeNames!);
        var selector = Make.Pod("s");
        selector.Spec.NodeSelector = Make.Labels("zone=a");
        Assert.Equal(["n1"], Fitting(selector));
        var empty = Required(new V1NodeSelectorTerm());
        Assert.Empty(Fitting(empty));
    }

    [Fact]
    public void Preferred_terms_score_by_weight()
    {
        var snapshot = Make.Snapshot([Make.Node("n1", labels: Make.Labels("zone=a", "disk=ssd")), Make.Node("n2", labels: Make.Labels("zone=a")), Make.Node("n3")]);
        var pod = Make.Pod("p");
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm { Preference = new V1NodeSelectorTerm { MatchExpressions = [Req("zone", "In", "a")] }, Weight = 2 },
                    new V1PreferredSchedulingTerm { Preference = new V1NodeSelectorTerm { MatchExpressions = [Req("disk", "In", "ssd")] }, Weight = 6 },
                ],
            },
        };
        var plugin = new NodeAffinityPlugin();
        var info = new PodInfo(pod);
        var state = new CycleState(snapshot);
        var scores = snapshot.Nodes.Select(n => plugin.Score(state, info, n)).ToArray();
        Assert.Equal([8L, 2L, 0L], scores);
        plugin.NormalizeScore(state, info, scores);
        Assert.Equal([100L, 25L, 0L], scores);
    }
}
