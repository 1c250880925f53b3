using k8s.Models;
using Timonel.Controllers.DaemonSets;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>DaemonSet planning on fixed state: surge rollouts and taints that evict.</summary>
public sealed class DaemonPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static int _pods;

    private static V1DaemonSet DaemonSet(string? maxSurge = null, string? maxUnavailable = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "ns", Generation = 2, Uid = "ds-uid" },
        Spec = new V1DaemonSetSpec
        {
            Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] } },
            UpdateStrategy = new V1DaemonSetUpdateStrategy
            {
                Type = "RollingUpdate",
                RollingUpdate = new V1RollingUpdateDaemonSet { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable },
            },
        },
    };

    private static V1Node Node(string name, V1Taint? taint = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { Taints = taint is null ? null : [taint] },
    };

    private static V1Pod Pod(string node, string hash, bool ready) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"agent-{Interlocked.Increment(ref _pods)}",
            Uid = Guid.NewGuid().ToString(),
            CreationTimestamp = Now.UtcDateTime.AddMinutes(-_pods),
            Labels = new Dictionary<string, string> { ["controller-revision-hash"] = hash },
        },
        Spec = new V1PodSpec { NodeName = node, Containers = [] },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = Now.UtcDateTime.AddMinutes(-1) }] },
    };

    [Fact]
    public void Surge_starts_the_new_pod_beside_the_old_and_removes_the_old_once_the_new_is_available()
    {
        var ds = DaemonSet(maxSurge: "1", maxUnavailable: "0");
        V1Node[] nodes = [Node("a"), Node("b")];
        var oldA = Pod("a", "old", ready: true);
        var oldB = Pod("b", "old", ready: true);

        var plan = DaemonPlanner.Plan(ds, nodes, [oldA, oldB], "new", Now);
        Assert.Equal(["a"], plan.CreateOn); // one node at a time
        Assert.Empty(plan.Delete);

        var newA = Pod("a", "new", ready: false);
        plan = DaemonPlanner.Plan(ds, nodes, [oldA, oldB, newA], "new", Now);
        Assert.Empty(plan.CreateOn);
        Assert.Empty(plan.Delete); // the new pod is not available yet

        newA = Pod("a", "new", ready: true);
        plan = DaemonPlanner.Plan(ds, nodes, [oldA, oldB, newA], "new", Now);
        Assert.Same(oldA, Assert.Single(plan.Delete));
        Assert.Empty(plan.CreateOn); // b waits until a's surge pod is no longer counted
        Assert.Equal((2, 2, 1), (plan.Status.DesiredNumberScheduled, plan.Status.NumberAvailable ?? 0, plan.Status.UpdatedNumberScheduled ?? 0));
    }

    [Fact]
    public void Max_unavailable_bounds_how_many_old_pods_go_at_once()
    {
        var ds = DaemonSet(maxUnavailable: "50%");
        V1Node[] nodes = [Node("a"), Node("b"), Node("c"), Node("d")];
        var pods = nodes.Select(n => Pod(n.Metadata.Name, "old", ready: true)).ToList();
        Assert.Equal(2, DaemonPlanner.Plan(ds, nodes, pods, "new", Now).Delete.Count);
        // One node already lacks an available pod: only one more may go.
        pods[0] = Pod("a", "old", ready: false);
        var plan = DaemonPlanner.Plan(ds, nodes, pods, "new", Now);
        Assert.Equal(2, plan.Delete.Count);
        Assert.Contains(pods[0], plan.Delete); // an unavailable old pod costs nothing to replace
    }

    [Fact]
    public void A_no_execute_taint_evicts_while_a_no_schedule_taint_only_keeps_new_pods_away()
    {
        var ds = DaemonSet();
        var evicting = Node("x", new V1Taint { Key = "maintenance", Effect = "NoExecute" });
        var fenced = Node("y", new V1Taint { Key = "maintenance", Effect = "NoSchedule" });
        var onX = Pod("x", "h", ready: true);
        var onY = Pod("y", "h", ready: true);
        var plan = DaemonPlanner.Plan(ds, [evicting, fenced, Node("z")], [onX, onY], "h", Now);
        Assert.Same(onX, Assert.Single(plan.Delete));
        Assert.Equal(["z"], plan.CreateOn);
        Assert.Equal((1, 2), (plan.Status.DesiredNumberScheduled, plan.Status.NumberMisscheduled));
    }
}
