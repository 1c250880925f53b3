using k8s.Models;
using Timonel.Scheduler.Algorithm;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Tests;

public class AlgorithmTests
{
    private const string ControlPlane = "node-role.kubernetes.io/control-plane";

    private static SchedulingAlgorithm Algorithm(int seed = 1, SchedulerOptions? options = null) =>
        new(Profile.Default(), options ?? new SchedulerOptions(), new Random(seed));

    /// <summary>3 workers with 1 cpu each, busy with pods of <paramref name="busyPriority"/>; 2 tainted control-plane nodes.</summary>
    private static Snapshot FiveNodes(int busyPriority) => Make.Snapshot(
        [
            Make.Node("cp1", taints: [Make.Taint(ControlPlane)]),
            Make.Node("cp2", taints: [Make.Taint(ControlPlane)]),
            Make.Node("w1", cpu: "1"),
            Make.Node("w2", cpu: "1"),
            Make.Node("w3", cpu: "1"),
        ],
        [
            Make.Pod("busy1", "800m", node: "w1", priority: busyPriority),
            Make.Pod("busy2", "800m", node: "w2", priority: busyPriority),
            Make.Pod("busy3", "800m", node: "w3", priority: busyPriority),
        ]);

    [Fact]
    public void Unschedulable_pod_gets_the_upstream_message_with_sorted_counted_reasons()
    {
        var result = Algorithm().Schedule(new PodInfo(Make.Pod("big", "500m")), FiveNodes(busyPriority: 0));
        Assert.Null(result.Host);
        Assert.Equal(
            "0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. " +
            "preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.",
            result.Failure!.Message);
        Assert.False(result.Failure.IsError);
    }

    [Fact]
    public void Preemption_is_not_helpful_when_every_node_is_unresolvable()
    {
        var snapshot = Make.Snapshot(
        [
            Make.Node("cp1", taints: [Make.Taint(ControlPlane)]),
            Make.Node("cp2", taints: [Make.Taint(ControlPlane)]),
            Make.Node("w1"), Make.Node("w2"), Make.Node("w3"),
        ]);
        var pod = Make.Pod("picky", priority: 1000);
        pod.Spec.NodeSelector = Make.Labels("disk=ssd");
        var result = Algorithm().Schedule(new PodInfo(pod), snapshot);
        Assert.Equal(
            "0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector. " +
            "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
            result.Failure!.Message);
    }

    [Fact]
    public void Preemption_nominates_the_node_whose_victim_has_the_lowest_priority()
    {
        var snapshot = Make.Snapshot(
            [Make.Node("a", cpu: "1"), Make.Node("b", cpu: "1"), Make.Node("c", cpu: "1")],
            [
                Make.Pod("mid", "800m", node: "a", priority: 100),
                Make.Pod("low", "800m", node: "b", priority: 10),
                Make.Pod("high", "800m", node: "c", priority: 5000),
            ]);
        var result = Algorithm().Schedule(new PodInfo(Make.Pod("urgent", "500m", priority: 1000)), snapshot);
        Assert.Null(result.Host);
        Assert.Equal("b", result.Failure!.NominatedNode);
        Assert.Equal(["default/low"], result.Failure.Victims.Select(v => v.Key));
    }

    [Fact]
    public void Preemption_evicts_only_as_many_pods_as_needed()
    {
        // Node a: two 400m pods at priority 10 and 20 on 1 cpu; the pod needs 500m: evicting the
        // priority-10 pod is enough, the priority-20 pod is reprieved.
        var snapshot = Make.Snapshot([Make.Node("a", cpu: "1")],
            [Make.Pod("p10", "400m", node: "a", priority: 10), Make.Pod("p20", "400m", node: "a", priority: 20)]);
        var result = Algorithm().Schedule(new PodInfo(Make.Pod("urgent", "500m", priority: 1000)), snapshot);
        Assert.Equal("a", result.Failure!.NominatedNode);
        Assert.Equal(["default/p10"], result.Failure.Victims.Select(v => v.Key));
    }

    private static k8s.Models.V1PodDisruptionBudget Budget(string app, int allowed) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = app, NamespaceProperty = "default" },
        Spec = new k8s.Models.V1PodDisruptionBudgetSpec { Selector = new k8s.Models.V1LabelSelector { MatchLabels = Make.Labels("app=" + app) } },
        Status = new k8s.Models.V1PodDisruptionBudgetStatus { DisruptionsAllowed = allowed },
    };

    [Fact]
    public void Preemption_prefers_the_node_where_no_disruption_budget_breaks()
    {
        var snapshot = Make.Snapshot([Make.Node("a", cpu: "1"), Make.Node("b", cpu: "1")],
        [
            Make.Pod("guarded", "800m", node: "a", priority: 10, labels: Make.Labels("app=db")),
            Make.Pod("free", "800m", node: "b", priority: 10, labels: Make.Labels("app=web")),
        ]);
        var budgets = new Plugins.DefaultPreemption.DisruptionBudgets();
        var pod = new PodInfo(Make.Pod("urgent", "500m", priority: 1000));
        // Without budgets both nodes tie and the first wins.
        Assert.Equal("a", new SchedulingAlgorithm(Profile.Default(budgets: budgets), new SchedulerOptions(), new Random(1)).Schedule(pod, snapshot).Failure!.NominatedNode);
        budgets.Set(Budget("db", 0));
        var result = new SchedulingAlgorithm(Profile.Default(budgets: budgets), new SchedulerOptions(), new Random(1)).Schedule(pod, snapshot);
        Assert.Equal("b", result.Failure!.NominatedNode);
        Assert.Equal(["default/free"], result.Failure.Victims.Select(v => v.Key));
    }

    [Fact]
    public void Preemption_reprieves_budget_protected_pods_first()
    {
        var snapshot = Make.Snapshot([Make.Node("a", cpu: "1")],
        [
            Make.Pod("p10", "400m", node: "a", priority: 10, labels: Make.Labels("app=db")),
            Make.Pod("p20", "400m", node: "a", priority: 20, labels: Make.Labels("app=web")),
        ]);
        var budgets = new Plugins.DefaultPreemption.DisruptionBudgets();
        budgets.Set(Budget("db", 0));
        var result = new SchedulingAlgorithm(Profile.Default(budgets: budgets), new SchedulerOptions(), new Random(1))
            .Schedule(new PodInfo(Make.Pod("urgent", "500m", priority: 1000)), snapshot);
        Assert.Equal(["default/p20"], result.Failure!.Victims.Select(v => v.Key));
    }

    [Fact]
    public void Preemption_policy_never_does_not_preempt()
    {
        var pod = Make.Pod("polite", "500m", priority: 1000);
        pod.Spec.PreemptionPolicy = "Never";
        var result = Algorithm().Schedule(new PodInfo(pod), FiveNodes(busyPriority: 0));
        Assert.Null(result.Failure!.NominatedNode);
        Assert.EndsWith("preemption: not eligible due to preemptionPolicy=Never.", result.Failure.Message);
    }

    [Fact]
    public void Picks_the_best_scored_node()
    {
        var snapshot = Make.Snapshot([Make.Node("full"), Make.Node("empty"), Make.Node("half")],
            [Make.Pod("x", "3", "6Gi", node: "full"), Make.Pod("y", "2", "4Gi", node: "half")]);
        var result = Algorithm().Schedule(new PodInfo(Make.Pod("p", "500m", "1Gi")), snapshot);
        Assert.Equal("empty", result.Host);
        Assert.Equal(3, result.FeasibleNodes);
    }

    [Fact]
    public void Ties_are_broken_at_random_with_the_seed()
    {
        var snapshot = Make.Snapshot([Make.Node("a"), Make.Node("b"), Make.Node("c")]);
        var pod = new PodInfo(Make.Pod("p", "100m"));
        var algorithm = Algorithm(seed: 7);
        var hosts = Enumerable.Range(0, 60).Select(_ => algorithm.Schedule(pod, snapshot).Host).ToList();
        Assert.Equal(["a", "b", "c"], hosts.Distinct().Order());
        // Same seed, same choices.
        var again = Algorithm(seed: 7);
        Assert.Equal(hosts, Enumerable.Range(0, 60).Select(_ => again.Schedule(pod, snapshot).Host));
    }

    [Theory]
    [InlineData(0, 50, 50)]
    [InlineData(0, 100, 100)]
    [InlineData(0, 1000, 420)]
    [InlineData(0, 5000, 500)]
    [InlineData(0, 6000, 300)]
    [InlineData(0, 20000, 1000)]
    [InlineData(30, 1000, 300)]
    [InlineData(1, 1000, 100)]
    [InlineData(100, 5000, 5000)]
    public void Feasible_nodes_to_find_adapts_to_cluster_size(int percentage, int nodes, int expected) =>
        Assert.Equal(expected, new SchedulerOptions { PercentageOfNodesToScore = percentage }.NumFeasibleNodesToFind(nodes));

    [Fact]
    public void Large_clusters_stop_after_enough_feasible_nodes_and_rotate_the_start()
    {
        var snapshot = Make.Snapshot(Enumerable.Range(0, 1000).Select(i => Make.Node($"n{i:D4}")));
        var algorithm = Algorithm();
        var first = algorithm.Schedule(new PodInfo(Make.Pod("p1", "100m")), snapshot);
        Assert.Equal(420, first.FeasibleNodes);
        Assert.Equal(420, first.EvaluatedNodes);
        var second = algorithm.Schedule(new PodInfo(Make.Pod("p2", "100m")), snapshot);
        Assert.Equal(420, second.FeasibleNodes);
        Assert.NotNull(first.Host);
        Assert.NotNull(second.Host);
    }

    [Fact]
    public void Parallel_filtering_finds_the_only_fitting_node()
    {
        var nodes = Enumerable.Range(0, 2000).Select(i => Make.Node($"n{i:D4}", cpu: i == 1234 ? "8" : "1")).ToList();
        var snapshot = Make.Snapshot(nodes);
        var result = Algorithm().Schedule(new PodInfo(Make.Pod("p", "4")), snapshot);
        Assert.Equal("n1234", result.Host);
    }

    [Fact]
    public void No_nodes_is_reported()
    {
        var result = Algorithm().Schedule(new PodInfo(Make.Pod("p")), Snapshot.Empty);
        Assert.Equal("no nodes available to schedule pods", result.Failure!.Message);
    }
}
