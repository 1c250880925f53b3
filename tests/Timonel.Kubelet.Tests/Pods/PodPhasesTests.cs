using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class PodPhasesTests
{
    private static V1ContainerStatus Running() => new() { Name = "c", State = new V1ContainerState { Running = new V1ContainerStateRunning() } };
    private static V1ContainerStatus Waiting(int? lastExit = null) => new()
    {
        Name = "c",
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "x" } },
        LastState = lastExit is { } e ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = e } } : new V1ContainerState(),
    };
    private static V1ContainerStatus Exited(int code) => new()
    {
        Name = "c",
        State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code } },
    };

    [Theory]
    [InlineData("Always", 0, "Running")]
    [InlineData("Always", 1, "Running")]
    [InlineData("OnFailure", 0, "Succeeded")]
    [InlineData("OnFailure", 1, "Running")]
    [InlineData("Never", 0, "Succeeded")]
    [InlineData("Never", 1, "Failed")]
    public void All_containers_exited_gives_the_phase_the_policy_implies(string policy, int exitCode, string phase) =>
        Assert.Equal(phase, PodPhases.Compute(policy, [], [Exited(0), Exited(exitCode)]));

    [Theory]
    [InlineData("Always", 0, "Succeeded")]
    [InlineData("Always", 143, "Failed")]
    [InlineData("OnFailure", 1, "Failed")]
    [InlineData("Never", 0, "Succeeded")]
    public void A_terminal_pod_with_every_container_stopped_succeeds_or_fails_whatever_the_policy(string policy, int exitCode, string phase) =>
        Assert.Equal(phase, PodPhases.Compute(policy, [], [Exited(0), Exited(exitCode)], podIsTerminal: true));

    [Fact]
    public void A_container_not_started_yet_keeps_the_pod_pending() =>
        Assert.Equal("Pending", PodPhases.Compute("Always", [], [Running(), Waiting()]));

    [Fact]
    public void A_container_in_back_off_after_an_exit_counts_as_stopped_not_waiting() =>
        Assert.Equal("Running", PodPhases.Compute("Always", [], [Running(), Waiting(lastExit: 1)]));

    [Fact]
    public void Unfinished_init_containers_keep_the_pod_pending() =>
        Assert.Equal("Pending", PodPhases.Compute("Always", [Exited(0), Running()], [Waiting(), Waiting()]));

    [Fact]
    public void A_failed_init_container_fails_the_pod_only_under_Never()
    {
        Assert.Equal("Failed", PodPhases.Compute("Never", [Exited(2)], [Waiting()]));
        Assert.Equal("Pending", PodPhases.Compute("OnFailure", [Waiting(lastExit: 2)], [Waiting()]));
    }

    [Fact]
    public void Nothing_reported_yet_is_pending() => Assert.Equal("Pending", PodPhases.Compute(null, [], [Waiting()]));
}
