using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class PodConditionsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod(params V1PodCondition[] existing) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "a" }, new V1Container { Name = "b" }] },
        Status = new V1PodStatus { Conditions = existing },
    };

    private static V1ContainerStatus Status(string name, bool ready) => new() { Name = name, Ready = ready };

    private static string? Get(List<V1PodCondition> conditions, string type, out DateTime? changed)
    {
        var c = conditions.Single(c => c.Type == type);
        changed = c.LastTransitionTime;
        return c.Status;
    }

    [Fact]
    public void Unready_containers_are_named_and_the_scheduler_condition_is_kept()
    {
        var scheduled = new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = T0 };
        var pod = Pod(scheduled);
        var conditions = PodConditions.Build(pod, pod.Status, "Running", sandboxReady: true, initDone: true, [], [Status("a", true), Status("b", false)], T0.AddMinutes(1));

        var ready = conditions.Single(c => c.Type == "Ready");
        Assert.Equal("False", ready.Status);
        Assert.Equal("ContainersNotReady", ready.Reason);
        Assert.Equal("containers with unready status: [b]", ready.Message);
        Assert.Same(scheduled, conditions.Single(c => c.Type == "PodScheduled"));
        Assert.Equal("True", Get(conditions, "PodReadyToStartContainers", out _));
        Assert.Equal("True", Get(conditions, "Initialized", out _));
    }

    [Fact]
    public void Last_transition_time_moves_only_when_the_status_changes()
    {
        var first = PodConditions.Build(Pod(), new V1PodStatus(), "Running", true, true, [], [Status("a", false), Status("b", true)], T0);
        var same = PodConditions.Build(Pod(), new V1PodStatus { Conditions = first }, "Running", true, true, [], [Status("a", false), Status("b", true)], T0.AddMinutes(1));
        Assert.Equal("False", Get(same, "Ready", out var unchanged));
        Assert.Equal(T0, unchanged);

        var flipped = PodConditions.Build(Pod(), new V1PodStatus { Conditions = same }, "Running", true, true, [], [Status("a", true), Status("b", true)], T0.AddMinutes(2));
        Assert.Equal("True", Get(flipped, "Ready", out var changed));
        Assert.Equal(T0.AddMinutes(2), changed);
        Assert.Equal("True", Get(flipped, "PodReadyToStartContainers", out var sandboxTime));
        Assert.Equal(T0, sandboxTime);
    }

    [Fact]
    public void A_finished_pod_is_not_ready_because_it_completed()
    {
        var conditions = PodConditions.Build(Pod(), new V1PodStatus(), "Succeeded", false, true, [], [Status("a", false), Status("b", false)], T0);
        var ready = conditions.Single(c => c.Type == "Ready");
        Assert.Equal("False", ready.Status);
        Assert.Equal("PodCompleted", ready.Reason);
        Assert.Equal("False", Get(conditions, "PodReadyToStartContainers", out _));
    }

    [Fact]
    public void Incomplete_init_containers_are_named()
    {
        var init = new V1ContainerStatus { Name = "setup", State = new V1ContainerState { Running = new V1ContainerStateRunning() } };
        var conditions = PodConditions.Build(Pod(), new V1PodStatus(), "Pending", true, false, [init], [Status("a", false), Status("b", false)], T0);
        var initialized = conditions.Single(c => c.Type == "Initialized");
        Assert.Equal("False", initialized.Status);
        Assert.Equal("containers with incomplete status: [setup]", initialized.Message);
    }
}
