using k8s.Models;
using Timonel.Scheduler.Algorithm;

namespace Timonel.Scheduler.Tests;

public class PodSchedulerTests
{
    private sealed class Recorder : ISchedulingDecisionSink
    {
        public List<SchedulingDecision> Decisions { get; } = [];

        public void Emit(SchedulingDecision decision) => Decisions.Add(decision);
    }

    private readonly FakeTime _time = new();
    private readonly Recorder _sink = new();

    private PodScheduler NewScheduler() => new(new SchedulerOptions(), _time, _sink, random: new Random(1));

    [Fact]
    public void Pending_pods_are_bound_and_assumed_pods_fill_nodes()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1", cpu: "2"));
        s.OnPodAdded(Make.Pod("a", "1500m"));
        s.OnPodAdded(Make.Pod("b", "1500m"));
        var first = Assert.IsType<BindPod>(s.ScheduleOne());
        Assert.Equal("n1", first.NodeName);
        s.BindingSucceeded("default/a");
        var second = Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        Assert.StartsWith("0/1 nodes are available: 1 Insufficient cpu.", second.Message);
        Assert.Null(s.ScheduleOne());
        Assert.Equal(2, _sink.Decisions.Count);
    }

    [Fact]
    public void A_new_node_retries_unschedulable_pods()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("small", cpu: "1"));
        s.OnPodAdded(Make.Pod("p", "2"));
        Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        Assert.Null(s.ScheduleOne());
        s.OnNodeAdded(Make.Node("big", cpu: "4"));
        // Still backing off (1 s after the first attempt).
        Assert.Null(s.ScheduleOne());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("big", Assert.IsType<BindPod>(s.ScheduleOne()).NodeName);
    }

    [Fact]
    public void Deleting_a_bound_pod_frees_room()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1", cpu: "1"));
        var old = Make.Pod("old", "1", node: "n1");
        s.OnPodAdded(old);
        s.OnPodAdded(Make.Pod("new", "1"));
        Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        _time.Advance(TimeSpan.FromSeconds(2));
        s.OnPodDeleted(old);
        Assert.Equal("n1", Assert.IsType<BindPod>(s.ScheduleOne()).NodeName);
    }

    [Fact]
    public void Failed_binding_releases_the_node_and_retries()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1", cpu: "1"));
        s.OnPodAdded(Make.Pod("a", "1"));
        Assert.IsType<BindPod>(s.ScheduleOne());
        s.BindingFailed("default/a");
        Assert.Equal(0, s.Cache.Current().Get("n1")!.Requested.MilliCpu);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.IsType<BindPod>(s.ScheduleOne());
    }

    [Fact]
    public void Preemption_decision_names_victims_and_nominated_node()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1", cpu: "1"));
        s.OnPodAdded(Make.Pod("low", "1", node: "n1", priority: 1));
        s.OnPodAdded(Make.Pod("vip", "1", priority: 1000));
        var decision = Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        Assert.Equal("n1", decision.NominatedNode);
        Assert.Equal(["low"], decision.Victims.Select(v => v.Metadata.Name));
    }

    [Fact]
    public void The_nominated_node_is_reserved_for_the_preemptor()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1", cpu: "1"));
        var low = Make.Pod("low", "1", node: "n1", priority: 1);
        s.OnPodAdded(low);
        s.OnPodAdded(Make.Pod("vip", "1", priority: 1000));
        Assert.Equal("n1", Assert.IsType<PodUnschedulable>(s.ScheduleOne()).NominatedNode);
        // The wiring evicts the victim; a mid-priority pod arrives before the preemptor's retry.
        s.OnPodDeleted(low);
        s.OnPodAdded(Make.Pod("mid", "1", priority: 10));
        var mid = Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        Assert.Equal("mid", mid.Pod.Metadata.Name);
        Assert.StartsWith("0/1 nodes are available: 1 Insufficient cpu.", mid.Message);
        _time.Advance(TimeSpan.FromSeconds(1));
        var vip = Assert.IsType<BindPod>(s.ScheduleOne());
        Assert.Equal(("vip", "n1"), (vip.Pod.Metadata.Name, vip.NodeName));
    }

    [Fact]
    public void A_bound_pod_retries_only_pods_that_other_pods_can_help()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1", cpu: "2", labels: Make.Labels("topology.kubernetes.io/zone=a")));
        var web = Make.Pod("web", "100m", labels: Make.Labels("app=web"));
        web.Spec.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PodAffinityTerm { TopologyKey = "topology.kubernetes.io/zone", LabelSelector = new V1LabelSelector { MatchLabels = Make.Labels("app=db") } },
                ],
            },
        };
        s.OnPodAdded(web);
        s.OnPodAdded(Make.Pod("big", "4"));
        var first = Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        var second = Assert.IsType<PodUnschedulable>(s.ScheduleOne());
        Assert.Equal(["big", "web"], new[] { first.Pod.Metadata.Name, second.Pod.Metadata.Name }.Order());
        Assert.Equal(2, s.Queue.UnschedulableCount);

        s.OnPodAdded(Make.Pod("db", "100m", node: "n1", labels: Make.Labels("app=db")));
        Assert.Equal(1, s.Queue.UnschedulableCount);
        _time.Advance(TimeSpan.FromSeconds(1));
        var bound = Assert.IsType<BindPod>(s.ScheduleOne());
        Assert.Equal("web", bound.Pod.Metadata.Name);
        Assert.Null(s.ScheduleOne());
    }

    [Fact]
    public void Pods_for_other_schedulers_are_ignored()
    {
        var s = NewScheduler();
        s.OnNodeAdded(Make.Node("n1"));
        var pod = Make.Pod("p");
        pod.Spec.SchedulerName = "other-scheduler";
        s.OnPodAdded(pod);
        Assert.Null(s.ScheduleOne());
    }
}
