using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// Native sidecars (init containers with restartPolicy Always) on a real containerd + runc: they
/// start in order without having to exit, run beside the containers, and stop after them; a
/// startup probe holds back what follows them, and they are restarted when they crash or fail
/// their liveness probe, whatever the pod's restartPolicy. The probes are the real ones.
/// </summary>
public sealed class SidecarTests(ProbedPodWorkerNode fixture) : IClassFixture<ProbedPodWorkerNode>
{
    private const string TickLoop = "while true; do echo tick >> /shared/ticks; sleep 0.2; done";
    private const string Idle = "trap 'exit 0' TERM; while true; do sleep 0.2; done";

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

    [Fact]
    public async Task A_sidecar_with_a_startup_probe_holds_back_the_next_init_container_and_the_main_container_until_the_probe_passes()
    {
        var spec = Pod("sidecar-startup", Container("main", ["sh", "-c", "echo main >> /shared/order; " + Idle]));
        var proxy = Sidecar("proxy", Idle);
        proxy.StartupProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/up"] }, PeriodSeconds = 1, FailureThreshold = 600 };
        spec.Spec.InitContainers = [proxy, Container("next", ["sh", "-c", "echo next >> /shared/order"])];
        var pod = await CreateAsync(spec);
        var order = Path.Combine(fixture.Volumes.DirectoryOf("sidecar-startup"), "order");

        // The probe failed twice: the sidecar runs but has not started, and nothing after it was created.
        await Run.UntilAsync(async () => (await EventsAsync("sidecar-startup")).Where(e => e.Reason == "Unhealthy"
                && e.Message.StartsWith("Startup probe failed", StringComparison.Ordinal)).Sum(e => e.Count ?? 1) >= 2 ? "" : null,
            "two startup probe failures", onTimeout: () => Task.FromResult(fixture.Log));
        var held = (await Api.GetAsync<V1Pod>("default", "sidecar-startup")).Require();
        var waitingProxy = held.Status.InitContainerStatuses.Single(s => s.Name == "proxy");
        Assert.NotNull(waitingProxy.State.Running);
        Assert.False(waitingProxy.Started);
        Assert.False(waitingProxy.Ready);
        Assert.NotNull(held.Status.InitContainerStatuses.Single(s => s.Name == "next").State.Waiting);
        Assert.NotNull(held.Status.ContainerStatuses.Single().State.Waiting);
        Assert.Equal("Pending", held.Status.Phase);
        Assert.Equal("False", Condition(held, "Initialized"));
        var instances = (await fixture.Node.Cri.ListContainersAsync(new ContainerFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
        Assert.Equal(["proxy"], instances.Select(c => c.Labels["io.kubernetes.container.name"]));
        Assert.False(File.Exists(order));

        var proxyId = waitingProxy.ContainerID["containerd://".Length..];
        (await fixture.Node.Cri.ExecSyncAsync(proxyId, ["touch", "/tmp/up"], TimeSpan.FromSeconds(10))).GetValueOrThrow();
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running" && Condition(p, "Ready") == "True", "Running and Ready");
        var started = running.Status.InitContainerStatuses.Single(s => s.Name == "proxy");
        Assert.True(started.Started);
        Assert.True(started.Ready);
        Assert.Equal(waitingProxy.ContainerID, started.ContainerID);
        Assert.Equal(0, running.Status.InitContainerStatuses.Single(s => s.Name == "next").State.Terminated?.ExitCode);
        Assert.Equal("next\nmain\n", await Run.UntilAsync(async () => File.Exists(order) && await File.ReadAllTextAsync(order) is { } text
            && text.Contains("main", StringComparison.Ordinal) ? text : null, "the main container's line"));

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task A_crashed_sidecar_in_a_restartPolicy_Never_pod_is_restarted_while_the_pod_keeps_running()
    {
        var spec = Pod("sidecar-crash", Container("main", ["sh", "-c", Idle]));
        spec.Spec.RestartPolicy = "Never";
        // Each instance records its start; it exits 3 once the test drops /shared/crash (and takes it away, so its successor stays).
        spec.Spec.InitContainers = [Sidecar("flaky", "echo run >> /shared/runs; trap 'exit 0' TERM; "
            + "while [ ! -f /shared/crash ]; do sleep 0.1; done; rm /shared/crash; exit 3")];
        var pod = await CreateAsync(spec);
        var dir = fixture.Volumes.DirectoryOf("sidecar-crash");
        var before = await WaitPodAsync(pod, p => p.Status?.Phase == "Running" && Condition(p, "Ready") == "True", "Running and Ready");
        var mainId = before.Status.ContainerStatuses.Single().ContainerID;

        await File.WriteAllTextAsync(Path.Combine(dir, "crash"), "");
        var after = await WaitPodAsync(pod, p => p.Status?.InitContainerStatuses?.Single().RestartCount >= 1
            && p.Status.InitContainerStatuses.Single().State?.Running is not null, "the sidecar restarted and running");

        Assert.Equal("Running", after.Status.Phase);
        var flaky = after.Status.InitContainerStatuses.Single();
        Assert.Equal(1, flaky.RestartCount);
        Assert.Equal(3, flaky.LastState.Terminated?.ExitCode);
        Assert.Equal("Error", flaky.LastState.Terminated?.Reason);
        var main = after.Status.ContainerStatuses.Single();
        Assert.Equal(mainId, main.ContainerID);
        Assert.Equal(0, main.RestartCount);
        Assert.NotNull(main.State.Running);
        // The restarted instance records its start (the status may show it running a moment before).
        Assert.Equal("run\nrun\n", await Run.UntilAsync(async () => await File.ReadAllTextAsync(Path.Combine(dir, "runs")) is { } runs
            && runs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2 ? runs : null, "the restarted sidecar's line"));
        await WaitPodAsync(pod, p => Condition(p, "Ready") == "True", "Ready again");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task A_sidecar_failing_its_liveness_probe_is_killed_and_restarted_while_the_main_container_keeps_running()
    {
        var spec = Pod("sidecar-liveness", Container("main", ["sh", "-c", Idle]));
        var proxy = Sidecar("proxy", Idle);
        proxy.LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1, FailureThreshold = 2 };
        spec.Spec.InitContainers = [proxy];
        var pod = await CreateAsync(spec);
        var before = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Running is not null, "main running");
        var mainId = before.Status.ContainerStatuses.Single().ContainerID;

        var after = await WaitPodAsync(pod, p => p.Status?.InitContainerStatuses?.Single().RestartCount >= 1, "a liveness restart of the sidecar");

        var killed = after.Status.InitContainerStatuses.Single().LastState.Terminated;
        Assert.NotNull(killed);
        Assert.NotEqual(before.Status.InitContainerStatuses.Single().ContainerID, after.Status.InitContainerStatuses.Single().ContainerID);
        Assert.Equal("Running", after.Status.Phase);
        Assert.Equal(mainId, after.Status.ContainerStatuses.Single().ContainerID);
        Assert.Equal(0, after.Status.ContainerStatuses.Single().RestartCount);
        var events = await EventsAsync("sidecar-liveness");
        Assert.Contains(events, e => e.Reason == "Killing" && e.Message == "Container proxy failed liveness probe, will be restarted"
            && e.InvolvedObject.FieldPath == "spec.initContainers{proxy}");
        Assert.Contains(events, e => e.Reason == "Unhealthy" && e.Message.StartsWith("Liveness probe failed: ", StringComparison.Ordinal)
            && e.InvolvedObject.FieldPath == "spec.initContainers{proxy}");
        Assert.DoesNotContain(events, e => e.Reason == "Killing" && e.InvolvedObject.FieldPath == "spec.containers{main}");

        await DeleteAndWaitGoneAsync(pod);
    }

    private async Task<IList<Corev1Event>> EventsAsync(string podName) =>
        (await Api.ListAsync<Corev1Event>("default", new ListOptions { FieldSelector = "involvedObject.name=" + podName })).Require().Items;

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
