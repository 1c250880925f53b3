using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// Native sidecars (init containers with restartPolicy Always) on a real containerd + runc: they
/// start in order without having to exit, run beside the containers, and stop after them.
/// </summary>
public sealed class SidecarTests(PodWorkerNode fixture) : IClassFixture<PodWorkerNode>
{
    private const string TickLoop = "while true; do echo tick >> /shared/ticks; sleep 0.2; done";

    private ApiConnection Api => fixture.Api;

    [Fact]
    public async Task A_sidecar_runs_beside_the_next_init_container_and_the_main_container_and_stops_after_it()
    {
        var spec = Pod("sidecar", Container("main", ["sh", "-c",
            "trap 'echo main >> /shared/stopped; exit 0' TERM; n=$(wc -l < /shared/ticks); sleep 2; m=$(wc -l < /shared/ticks); "
            + "if [ \"$m\" -gt \"$n\" ]; then echo grew > /shared/main; fi; while true; do sleep 0.2; done"]));
        spec.Spec.InitContainers =
        [
            Sidecar("ticker", "trap 'echo ticker >> /shared/stopped; exit 0' TERM; " + TickLoop),
            // Only finishes when the sidecar writes while this init container runs.
            Container("waits-for-ticks", ["sh", "-c", "while [ ! -s /shared/ticks ]; do sleep 0.1; done"]),
        ];
        var pod = await CreateAsync(spec);
        var dir = fixture.Volumes.DirectoryOf("sidecar");

        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running" && Condition(p, "Ready") == "True", "Running and Ready");
        var ticker = running.Status.InitContainerStatuses.Single(s => s.Name == "ticker");
        Assert.NotNull(ticker.State.Running);
        Assert.True(ticker.Ready);
        Assert.True(ticker.Started);
        Assert.Equal(0, ticker.RestartCount);
        Assert.Equal("Completed", running.Status.InitContainerStatuses.Single(s => s.Name == "waits-for-ticks").State.Terminated?.Reason);
        Assert.NotNull(running.Status.ContainerStatuses.Single().State.Running);
        Assert.Equal("True", Condition(running, "Initialized"));
        // The main container saw the sidecar's file grow while it ran.
        Assert.Equal("grew\n", await Run.UntilAsync(async () => File.Exists(Path.Combine(dir, "main")) ? await File.ReadAllTextAsync(Path.Combine(dir, "main")) : null,
            "the main container to see the sidecar's writes"));
        var sidecarId = ticker.ContainerID["containerd://".Length..];
        Assert.Equal(ContainerState.ContainerRunning, (await fixture.Node.Cri.ContainerStatusAsync(sidecarId)).GetValueOrThrow().Status.State);

        await DeleteAndWaitGoneAsync(pod);
        // The main container got its SIGTERM first, the sidecar only after it had stopped.
        Assert.Equal("main\nticker\n", await File.ReadAllTextAsync(Path.Combine(dir, "stopped")));
    }

    [Fact]
    public async Task Under_restartPolicy_Never_the_pod_succeeds_when_its_main_container_exits_0_and_the_sidecar_is_stopped()
    {
        var spec = Pod("sidecar-job", Container("job", ["sh", "-c", "while [ ! -s /shared/ticks ]; do sleep 0.1; done; exit 0"]));
        spec.Spec.RestartPolicy = "Never";
        spec.Spec.InitContainers = [Sidecar("ticker", TickLoop)];
        var pod = await CreateAsync(spec);

        var done = await WaitPodAsync(pod, p => p.Status?.Phase == "Succeeded", "phase Succeeded");
        Assert.Equal(0, done.Status.ContainerStatuses.Single().State.Terminated?.ExitCode);
        var ticker = done.Status.InitContainerStatuses.Single();
        Assert.NotNull(ticker.State.Terminated);
        Assert.False(ticker.Ready);
        Assert.Equal(0, ticker.RestartCount);
        var sidecarId = ticker.ContainerID["containerd://".Length..];
        Assert.Equal(ContainerState.ContainerExited, (await fixture.Node.Cri.ContainerStatusAsync(sidecarId)).GetValueOrThrow().Status.State);
        Assert.Equal("True", Condition(done, "Initialized"));
        Assert.Equal("False", Condition(done, "Ready"));
        // Nothing restarts the sidecar afterwards: the pod's sandbox is stopped.
        await Run.UntilAsync(async () =>
        {
            var sandboxes = (await fixture.Node.Cri.ListPodSandboxAsync(new PodSandboxFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
            return sandboxes.All(s => s.State == PodSandboxState.SandboxNotready) ? "" : null;
        }, "the sandbox to be stopped");
        var instances = (await fixture.Node.Cri.ListContainersAsync(new ContainerFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
        Assert.DoesNotContain(instances, c => c.State == ContainerState.ContainerRunning);

        await DeleteAndWaitGoneAsync(pod);
    }

    private static V1Pod Pod(string name, V1Container container) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { Containers = [container], TerminationGracePeriodSeconds = 10 },
    };

    private static V1Container Container(string name, string[] command) => new()
    {
        Name = name,
        Image = ProjectImages.Busybox,
        ImagePullPolicy = "Never",
        Command = command,
    };

    private static V1Container Sidecar(string name, string script)
    {
        var sidecar = Container(name, ["sh", "-c", script]);
        sidecar.RestartPolicy = "Always";
        return sidecar;
    }

    private async Task<V1Pod> CreateAsync(V1Pod pod)
    {
        pod.Spec.NodeName = fixture.NodeName;
        return (await Api.CreateAsync(pod)).Require();
    }

    private static string? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;

    private async Task<V1Pod> WaitPodAsync(V1Pod pod, Func<V1Pod, bool> condition, string what, int seconds = 60)
    {
        V1Pod? last = null;
        return await Run.UntilAsync(async () =>
        {
            var got = await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name);
            last = got.Value;
            return got.Ok && got.Value!.Metadata.Uid == pod.Metadata.Uid && condition(got.Value) ? got.Value : null;
        }, $"{pod.Metadata.Name}: {what}", seconds, () => Task.FromResult(
            $"last status: {(last?.Status is null ? "none" : k8s.KubernetesJson.Serialize(last.Status))}\nworker log:\n{fixture.Log}"));
    }

    private async Task DeleteAndWaitGoneAsync(V1Pod pod)
    {
        var deleted = await Api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        Assert.True(deleted.Ok || deleted.IsNotFound, deleted.ToString());
        await Run.UntilAsync(async () => (await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name)).IsNotFound ? "" : null,
            $"{pod.Metadata.Name} to be deleted", 60, () => Task.FromResult(fixture.Log));
    }
}
