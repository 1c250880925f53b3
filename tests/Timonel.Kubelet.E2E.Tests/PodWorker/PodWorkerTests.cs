using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// The pod worker on a real containerd + runc with a real API server: pods created through the
/// API with spec.nodeName become containers, and their status comes back through pods/status.
/// </summary>
public sealed class PodWorkerTests(PodWorkerNode fixture) : IClassFixture<PodWorkerNode>
{
    private ApiConnection Api => fixture.Api;

    [Fact]
    public async Task Http_pod_runs_with_an_ip_and_answers_with_its_name()
    {
        var pod = await CreateAsync(Pod("web-1", Container("http", ProjectImages.Http, env: ("POD_NAME", "web-1"))));

        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running" && Condition(p, "Ready") == "True", "web-1 Running and Ready");
        var ip = running.Status.PodIP;
        Assert.StartsWith(ContainerdNode.PodSubnetPrefix, ip, StringComparison.Ordinal);
        Assert.Equal([ip], running.Status.PodIPs.Select(i => i.Ip));
        Assert.Equal(fixture.HostIp, running.Status.HostIP);
        Assert.NotNull(running.Status.StartTime);
        Assert.Equal("BestEffort", running.Status.QosClass);
        foreach (var type in new[] { "PodReadyToStartContainers", "Initialized", "ContainersReady", "PodScheduled" })
        {
            Assert.Equal("True", Condition(running, type));
        }
        var status = Assert.Single(running.Status.ContainerStatuses);
        Assert.True(status.Ready);
        Assert.True(status.Started);
        Assert.NotNull(status.State.Running?.StartedAt);
        Assert.Equal(0, status.RestartCount);
        Assert.StartsWith("sha256:", status.ImageID, StringComparison.Ordinal);
        Assert.StartsWith("containerd://", status.ContainerID, StringComparison.Ordinal);
        // The status names the container the runtime runs, in the pod's sandbox.
        var container = (await fixture.Node.Cri.ContainerStatusAsync(status.ContainerID["containerd://".Length..])).GetValueOrThrow().Status;
        Assert.Equal(ContainerState.ContainerRunning, container.State);

        var lastTry = "";
        var page = await Run.UntilAsync(async () =>
        {
            var get = await Run.CommandAsync("nsenter", $"--net=/var/run/netns/{fixture.Node.Netns}", "curl", "-sS", "-m", "2", $"http://{ip}/");
            lastTry = $"exit {get.ExitCode}: {get.Stdout}{get.Stderr}";
            return get.ExitCode == 0 ? get.Stdout : null;
        }, "the pod to answer", onTimeout: () => Task.FromResult(lastTry));
        Assert.Equal("web-1\n", page);

        // The locator finds the container and its CRI log file for the streaming server.
        var located = fixture.Workers.Find("default", "web-1", "http", previous: false);
        Assert.NotNull(located);
        Assert.Equal(status.ContainerID["containerd://".Length..], located.ContainerId);
        Assert.Equal(Path.Combine(fixture.LogRoot, $"default_web-1_{pod.Metadata.Uid}", "http", "0.log"), located.LogPath);
        Assert.True(File.Exists(located.LogPath));

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task Container_that_exits_1_under_Always_goes_into_CrashLoopBackOff_with_growing_restarts()
    {
        var pod = await CreateAsync(Pod("crash", Container("fail", ProjectImages.Busybox, command: ["sh", "-c", "echo failing; exit 1"])));

        var backingOff = await WaitPodAsync(pod, p => State(p, "fail")?.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff");
        var status = backingOff.Status.ContainerStatuses.Single();
        Assert.StartsWith("back-off 10s restarting failed container=fail pod=crash_default(", status.State.Waiting.Message, StringComparison.Ordinal);
        Assert.Equal(1, status.LastState.Terminated?.ExitCode);
        Assert.Equal("Error", status.LastState.Terminated?.Reason);
        Assert.Equal("Running", backingOff.Status.Phase); // restartPolicy Always: the pod keeps running
        Assert.Equal("False", Condition(backingOff, "Ready"));

        // After the back-off the container runs again and fails again: the count grows, the wait doubles.
        var later = await WaitPodAsync(pod, p => State(p, "fail")?.Waiting?.Message?.StartsWith("back-off 20s", StringComparison.Ordinal) == true,
            "the second back-off (20s)", seconds: 60);
        Assert.True(later.Status.ContainerStatuses.Single().RestartCount > status.RestartCount);

        // Only the newest two instances are kept: the current one and the previous (kubectl logs --previous).
        var instances = (await fixture.Node.Cri.ListContainersAsync(new ContainerFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
        Assert.InRange(instances.Count, 1, 2);
        Assert.NotNull(fixture.Workers.Find("default", "crash", "fail", previous: true));

        var events = (await Api.ListAsync<Corev1Event>("default", new ListOptions { FieldSelector = "involvedObject.name=crash" })).Require().Items;
        Assert.Contains(events, e => e.Reason == "BackOff" && e.Type == "Warning");
        Assert.Contains(events, e => e.Reason == "Started" && e.InvolvedObject.FieldPath == "spec.containers{fail}");
        Assert.Contains(events, e => e.Reason == "Created");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task Container_that_exits_3_under_Never_fails_the_pod_with_its_exit_code_and_stops_the_sandbox()
    {
        var spec = Pod("never", Container("once", ProjectImages.Busybox, command: ["sh", "-c", "exit 3"]));
        spec.Spec.RestartPolicy = "Never";
        var pod = await CreateAsync(spec);

        var failed = await WaitPodAsync(pod, p => p.Status?.Phase == "Failed", "phase Failed");
        var terminated = failed.Status.ContainerStatuses.Single().State.Terminated;
        Assert.NotNull(terminated);
        Assert.Equal(3, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);
        Assert.NotNull(terminated.FinishedAt);
        Assert.Equal(0, failed.Status.ContainerStatuses.Single().RestartCount);
        await Run.UntilAsync(async () =>
        {
            var sandboxes = (await fixture.Node.Cri.ListPodSandboxAsync(new PodSandboxFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
            return sandboxes.All(s => s.State == PodSandboxState.SandboxNotready) ? "" : null;
        }, "the sandbox to be stopped");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task Init_containers_run_one_after_the_other_before_the_container_and_the_pod_succeeds()
    {
        var spec = Pod("inits", Container("main", ProjectImages.Busybox, command: ["sh", "-c", "echo main >> /shared/order"]));
        spec.Spec.RestartPolicy = "OnFailure";
        spec.Spec.InitContainers =
        [
            Container("first", ProjectImages.Busybox, command: ["sh", "-c", "sleep 1; echo first >> /shared/order"]),
            Container("second", ProjectImages.Busybox, command: ["sh", "-c", "echo second >> /shared/order"]),
        ];
        var pod = await CreateAsync(spec);

        var done = await WaitPodAsync(pod, p => p.Status?.Phase == "Succeeded", "phase Succeeded");
        Assert.Equal("first\nsecond\nmain\n", await File.ReadAllTextAsync(Path.Combine(fixture.Volumes.DirectoryOf("inits"), "order")));
        Assert.All(done.Status.InitContainerStatuses, s => Assert.Equal("Completed", s.State.Terminated?.Reason));
        Assert.Equal("Completed", done.Status.ContainerStatuses.Single().State.Terminated?.Reason);
        Assert.Equal("True", Condition(done, "Initialized"));
        Assert.Equal("False", Condition(done, "Ready"));

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task Deleting_a_pod_sends_SIGTERM_first_and_then_removes_its_containers_and_the_pod_object()
    {
        var spec = Pod("graceful", Container("trap", ProjectImages.Busybox, command: ["sh", "-c",
            "trap 'echo TERM >> /shared/signal; exit 0' TERM; echo up >> /shared/signal; while true; do sleep 0.2; done"]));
        spec.Spec.TerminationGracePeriodSeconds = 30;
        spec.Spec.Containers[0].Lifecycle = new V1Lifecycle
        {
            PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo preStop >> /shared/signal"] } },
        };
        var pod = await CreateAsync(spec);
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running", "Running");
        var containerId = running.Status.ContainerStatuses.Single().ContainerID["containerd://".Length..];

        (await Api.DeleteAsync<V1Pod>("default", "graceful")).EnsureOk();
        await WaitGoneAsync(pod);

        // preStop first, then SIGTERM, which the shell's trap saw (no SIGKILL before it).
        Assert.Equal("up\npreStop\nTERM\n", await File.ReadAllTextAsync(Path.Combine(fixture.Volumes.DirectoryOf("graceful"), "signal")));
        var gone = await fixture.Node.Cri.ContainerStatusAsync(containerId);
        Assert.Equal(Cri.CriErrorKind.NotFound, gone.Error?.Kind);
        var sandboxes = (await fixture.Node.Cri.ListPodSandboxAsync(new PodSandboxFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
        Assert.Empty(sandboxes);
        var events = (await Api.ListAsync<Corev1Event>("default", new ListOptions { FieldSelector = "involvedObject.name=graceful" })).Require().Items;
        Assert.Contains(events, e => e.Reason == "Killing" && e.Message == "Stopping container trap");
    }

    [Fact]
    public async Task A_watcher_sees_the_final_status_with_terminated_containers_before_the_pod_is_deleted()
    {
        var spec = Pod("last-words", Container("seven", ProjectImages.Busybox, command: ["sh", "-c", "trap 'exit 7' TERM; while true; do sleep 0.2; done"]));
        spec.Spec.Containers.Add(Container("zero", ProjectImages.Busybox, command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]));
        var pod = await CreateAsync(spec);
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running" && p.Status.ContainerStatuses?.All(c => c.State?.Running is not null) == true, "both running");

        // Every event from the running pod on, until the object is gone (the bound only guards against a hang).
        using var watchEnd = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var events = new List<WatchEvent<V1Pod>>();
        var options = new ListOptions { FieldSelector = "metadata.name=last-words", ResourceVersion = running.Metadata.ResourceVersion };
        var watching = Task.Run(async () =>
        {
            await foreach (var e in Api.WatchAsync<V1Pod>("default", options, watchEnd.Token))
            {
                events.Add(e);
                if (e.Type is WatchEventType.Deleted or WatchEventType.Error)
                {
                    return;
                }
            }
        });
        (await Api.DeleteAsync<V1Pod>("default", "last-words")).EnsureOk();
        await watching;

        Assert.Equal(WatchEventType.Deleted, events[^1].Type);
        var modified = events.Where(e => e.Type == WatchEventType.Modified).Select(e => e.Object!).ToList();
        var final = modified.LastOrDefault(p => p.Status?.ContainerStatuses?.All(c => c.State?.Terminated is not null) == true);
        Assert.True(final is not null, "no MODIFIED event with every container terminated before DELETED; events: "
            + string.Join(", ", events.Select(e => $"{e.Type} {e.Object?.Status?.Phase}")) + "\nworker log:\n" + fixture.Log);
        Assert.Equal(pod.Metadata.Uid, final.Metadata.Uid);
        Assert.NotNull(final.Metadata.DeletionTimestamp);
        // As upstream: a pod whose containers will never run again is terminal; one exit code is not 0.
        Assert.Equal("Failed", final.Status.Phase);
        var seven = final.Status.ContainerStatuses.Single(c => c.Name == "seven").State.Terminated;
        var zero = final.Status.ContainerStatuses.Single(c => c.Name == "zero").State.Terminated;
        Assert.Equal((7, "Error"), (seven.ExitCode, seven.Reason));
        Assert.Equal((0, "Completed"), (zero.ExitCode, zero.Reason));
        Assert.NotNull(seven.FinishedAt);
        Assert.All(final.Status.ContainerStatuses, c => Assert.False(c.Ready));
        Assert.Equal("False", Condition(final, "Ready"));
        Assert.Equal("False", Condition(final, "PodReadyToStartContainers"));
    }

    [Fact]
    public async Task Deleting_a_pod_cancels_a_sync_that_is_stuck_in_an_image_pull()
    {
        var pod = await CreateAsync(Pod("stuck", Container("app", PresentImages.Endless)));
        var pending = await WaitPodAsync(pod, p => State(p, "app")?.Waiting?.Reason == "ContainerCreating", "Pending, ContainerCreating");
        Assert.Equal("Pending", pending.Status.Phase);

        (await Api.DeleteAsync<V1Pod>("default", "stuck")).EnsureOk();
        await WaitGoneAsync(pod);
        var sandboxes = (await fixture.Node.Cri.ListPodSandboxAsync(new PodSandboxFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = pod.Metadata.Uid } })).GetValueOrThrow();
        Assert.Empty(sandboxes);
    }

    [Fact]
    public async Task Failed_liveness_kills_the_container_and_the_policy_restarts_it()
    {
        var pod = await CreateAsync(Pod("live", Container("app", ProjectImages.Busybox, command: ["sleep", "3600"])));
        var running = await WaitPodAsync(pod, p => p.Status?.Phase == "Running", "Running");
        var first = running.Status.ContainerStatuses.Single().ContainerID["containerd://".Length..];

        fixture.Probes.FailLiveness(first, "Container app failed liveness probe, will be restarted");
        fixture.Workers.Resync(pod.Metadata.Uid);

        var restarted = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.Single() is { RestartCount: 1, State.Running: not null }, "a restarted container");
        var status = restarted.Status.ContainerStatuses.Single();
        Assert.NotEqual(first, status.ContainerID["containerd://".Length..]);
        Assert.NotNull(status.LastState.Terminated);
        var events = (await Api.ListAsync<Corev1Event>("default", new ListOptions { FieldSelector = "involvedObject.name=live" })).Require().Items;
        Assert.Contains(events, e => e.Reason == "Killing" && e.Message == "Container app failed liveness probe, will be restarted");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task A_failing_postStart_hook_stops_the_container_and_reports_PostStartHookError()
    {
        var spec = Pod("poststart", Container("app", ProjectImages.Busybox, command: ["sleep", "3600"]));
        spec.Spec.TerminationGracePeriodSeconds = 2;
        spec.Spec.Containers[0].Lifecycle = new V1Lifecycle
        {
            PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "exit 7"] } },
        };
        var pod = await CreateAsync(spec);

        var failed = await WaitPodAsync(pod, p => State(p, "app")?.Waiting?.Reason == "PostStartHookError", "PostStartHookError");
        var status = failed.Status.ContainerStatuses.Single();
        Assert.Equal("exec hook exited 7", status.State.Waiting.Message);
        Assert.NotNull(status.LastState.Terminated);
        Assert.False(status.Ready);
        // The restart policy (Always) brings it back, and the hook fails it again: back-off follows.
        await WaitPodAsync(pod, p => State(p, "app")?.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff after repeated hook failures");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task A_new_worker_instance_adopts_running_containers_and_removes_pods_deleted_while_it_was_down()
    {
        // Fails on its first run, then stays up: restartCount 1 is what the new instance must keep.
        var keep = await CreateAsync(Pod("adopted", Container("app", ProjectImages.Busybox, command: ["sh", "-c",
            "if [ -f /shared/ran ]; then exec sleep 3600; fi; touch /shared/ran; exit 1"])));
        var gone = await CreateAsync(Pod("orphan", Container("app", ProjectImages.Busybox, command: ["sleep", "3600"])));
        var before = await WaitPodAsync(keep, p => p.Status?.ContainerStatuses?.Single() is { RestartCount: 1, State.Running: not null }, "adopted running after one restart");
        await WaitPodAsync(gone, p => p.Status?.Phase == "Running", "orphan Running");
        var beforeStatus = before.Status.ContainerStatuses.Single();

        await fixture.StopWorkersAsync();
        // While the agent is down the orphan is force-deleted: nobody stops its container.
        (await Api.DeleteAsync<V1Pod>("default", "orphan", gracePeriodSeconds: 0)).EnsureOk();
        fixture.StartWorkers();

        await Run.UntilAsync(async () =>
        {
            var sandboxes = (await fixture.Node.Cri.ListPodSandboxAsync(new PodSandboxFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = gone.Metadata.Uid } })).GetValueOrThrow();
            return sandboxes.Count == 0 ? "" : null;
        }, "the orphan's sandbox to be removed", seconds: 90, onTimeout: () => Task.FromResult(fixture.Log));

        // The new instance found the running container (it watches it) and left it alone.
        var id = beforeStatus.ContainerID["containerd://".Length..];
        await Run.UntilAsync(() => Task.FromResult(fixture.Probes.IsWatched(id) ? "" : null), "the new instance to adopt the container");
        fixture.Workers.Resync(keep.Metadata.Uid);
        var after = (await Api.GetAsync<V1Pod>("default", "adopted")).Require().Status.ContainerStatuses.Single();
        Assert.Equal(beforeStatus.ContainerID, after.ContainerID);
        Assert.Equal(1, after.RestartCount);
        Assert.NotNull(after.State.Running);
        Assert.Equal(beforeStatus.State.Running.StartedAt, after.State.Running.StartedAt);
        var instances = (await fixture.Node.Cri.ListContainersAsync(new ContainerFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = keep.Metadata.Uid } })).GetValueOrThrow();
        Assert.Single(instances, c => c.State == ContainerState.ContainerRunning);

        await DeleteAndWaitGoneAsync(keep);
    }

    [Fact]
    public async Task With_the_api_server_down_containers_keep_running_and_the_status_catches_up_when_it_returns()
    {
        var steady = await CreateAsync(Pod("steady", Container("app", ProjectImages.Busybox, command: ["sleep", "3600"])));
        var spec = Pod("finisher", Container("app", ProjectImages.Busybox, command: ["sh", "-c", "while [ ! -f /shared/finish ]; do sleep 0.2; done"]));
        spec.Spec.RestartPolicy = "Never";
        var finisher = await CreateAsync(spec);
        var steadyBefore = (await WaitPodAsync(steady, p => p.Status?.Phase == "Running", "steady Running")).Status.ContainerStatuses.Single();
        await WaitPodAsync(finisher, p => p.Status?.Phase == "Running", "finisher Running");

        fixture.Server.Kill();
        try
        {
            // While the server is away the finisher's container exits; nothing can be reported yet.
            await File.WriteAllTextAsync(Path.Combine(fixture.Volumes.DirectoryOf("finisher"), "finish"), "");
            var steadyId = steadyBefore.ContainerID["containerd://".Length..];
            await Run.UntilAsync(async () =>
            {
                var all = (await fixture.Node.Cri.ListContainersAsync(new ContainerFilter { LabelSelector = { ["io.kubernetes.pod.uid"] = finisher.Metadata.Uid } })).GetValueOrThrow();
                return all.Any(c => c.State == ContainerState.ContainerExited) ? "" : null;
            }, "the finisher's container to exit");
            Assert.Equal(ContainerState.ContainerRunning, (await fixture.Node.Cri.ContainerStatusAsync(steadyId)).GetValueOrThrow().Status.State);
        }
        finally
        {
            await fixture.Server.StartAsync();
        }

        var done = await WaitPodAsync(finisher, p => p.Status?.Phase == "Succeeded", "finisher Succeeded after the server returned", seconds: 90);
        Assert.Equal(0, done.Status.ContainerStatuses.Single().State.Terminated?.ExitCode);
        var steadyAfter = (await Api.GetAsync<V1Pod>("default", "steady")).Require().Status.ContainerStatuses.Single();
        Assert.Equal(steadyBefore.ContainerID, steadyAfter.ContainerID);
        Assert.Equal(0, steadyAfter.RestartCount);

        await DeleteAndWaitGoneAsync(steady);
        await DeleteAndWaitGoneAsync(finisher);
    }

    private static V1Pod Pod(string name, V1Container container) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { Containers = [container], TerminationGracePeriodSeconds = 5 },
    };

    private static V1Container Container(string name, string image, string[]? command = null, params (string Name, string Value)[] env) => new()
    {
        Name = name,
        Image = image,
        ImagePullPolicy = "Never",
        Command = command,
        Env = env.Select(e => new V1EnvVar { Name = e.Name, Value = e.Value }).ToList(),
    };

    private async Task<V1Pod> CreateAsync(V1Pod pod)
    {
        pod.Spec.NodeName = fixture.NodeName;
        return (await Api.CreateAsync(pod)).Require();
    }

    private static string? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Status;

    private static V1ContainerState? State(V1Pod pod, string container) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == container)?.State;

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

    private async Task WaitGoneAsync(V1Pod pod) =>
        await Run.UntilAsync(async () => (await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name)).IsNotFound ? "" : null,
            $"{pod.Metadata.Name} to be deleted", 60, () => Task.FromResult(fixture.Log));

    private async Task DeleteAndWaitGoneAsync(V1Pod pod)
    {
        var deleted = await Api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        Assert.True(deleted.Ok || deleted.IsNotFound, deleted.ToString());
        await WaitGoneAsync(pod);
    }
}
