using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Images;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// Probes and hooks through the pod worker, end to end: pods created through a real API server,
/// containers on containerd + runc, exec probes and hooks run by <c>Timonel.Kubelet.Probes</c>,
/// status and events read back from the API as a user would.
/// </summary>
public sealed class ProbeTests(ProbedPodWorkerNode fixture) : IClassFixture<ProbedPodWorkerNode>
{
    private const string MissingFileMessage = "cat: can't open '/tmp/healthy': No such file or directory\n";

    private ApiConnection Api => fixture.Api;

    [Fact]
    public async Task A_failing_liveness_probe_restarts_the_container_again_and_again()
    {
        var spec = Pod("liveness", ["sleep", "3600"]);
        spec.Spec.Containers[0].LivenessProbe = Exec(["cat", "/tmp/healthy"], periodSeconds: 1, failureThreshold: 2);
        var pod = await CreateAsync(spec);
        var first = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Running is not null, "running");
        var firstId = first.Status.ContainerStatuses.Single().ContainerID;

        var restarted = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.Single().RestartCount >= 2, "two restarts", seconds: 90);

        Assert.NotEqual(firstId, restarted.Status.ContainerStatuses.Single().ContainerID);
        var events = await EventsAsync("liveness");
        var unhealthy = events.Where(e => e.Reason == "Unhealthy").ToList();
        Assert.NotEmpty(unhealthy);
        Assert.All(unhealthy, e =>
        {
            Assert.Equal("Warning", e.Type);
            Assert.Equal("Liveness probe failed: " + MissingFileMessage, e.Message);
            Assert.Equal("spec.containers{app}", e.InvolvedObject.FieldPath);
            Assert.Equal("kubelet", e.Source.Component);
        });
        Assert.Contains(events, e => e.Reason == "Killing" && e.Message == "Container app failed liveness probe, will be restarted"
            && e.InvolvedObject.FieldPath == "spec.containers{app}");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task A_failing_readiness_probe_keeps_the_pod_not_ready_without_restarts_until_it_passes()
    {
        var spec = Pod("readiness", ["sleep", "3600"]);
        spec.Spec.Containers[0].ReadinessProbe = Exec(["cat", "/tmp/healthy"], periodSeconds: 1);
        var pod = await CreateAsync(spec);

        // Running, and the probe has failed a few times: still not ready, never restarted.
        await Run.UntilAsync(async () => (await EventsAsync("readiness")).Where(e => e.Reason == "Unhealthy").Sum(e => e.Count ?? 1) >= 3 ? "" : null,
            "three readiness failures", onTimeout: () => Task.FromResult(fixture.Log));
        var notReady = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Running is not null, "running");
        Assert.Equal("Running", notReady.Status.Phase);
        Assert.Equal("False", Condition(notReady, "Ready"));
        Assert.Equal("False", Condition(notReady, "ContainersReady"));
        var status = notReady.Status.ContainerStatuses.Single();
        Assert.False(status.Ready);
        Assert.Equal(0, status.RestartCount);
        var events = await EventsAsync("readiness");
        Assert.Contains(events, e => e.Reason == "Unhealthy" && e.Message == "Readiness probe failed: " + MissingFileMessage);
        Assert.DoesNotContain(events, e => e.Reason == "Killing");

        // The probe really decides: once it passes, the pod becomes ready, with the same container.
        var containerId = status.ContainerID["containerd://".Length..];
        (await fixture.Node.Cri.ExecSyncAsync(containerId, ["touch", "/tmp/healthy"], TimeSpan.FromSeconds(10))).GetValueOrThrow();
        var ready = await WaitPodAsync(pod, p => Condition(p, "Ready") == "True", "Ready");
        Assert.True(ready.Status.ContainerStatuses.Single().Ready);
        Assert.Equal(0, ready.Status.ContainerStatuses.Single().RestartCount);

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task The_startup_probe_holds_started_and_ready_until_it_passes()
    {
        var spec = Pod("startup", ["sleep", "3600"]);
        spec.Spec.Containers[0].StartupProbe = Exec(["cat", "/tmp/healthy"], periodSeconds: 1, failureThreshold: 600);
        spec.Spec.Containers[0].LivenessProbe = Exec(["false"], periodSeconds: 1);
        var pod = await CreateAsync(spec);

        await Run.UntilAsync(async () => (await EventsAsync("startup")).Any(e => e.Message == "Startup probe failed: " + MissingFileMessage) ? "" : null,
            "a startup probe failure", onTimeout: () => Task.FromResult(fixture.Log));
        var waiting = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Running is not null, "running");
        Assert.False(waiting.Status.ContainerStatuses.Single().Started);
        Assert.False(waiting.Status.ContainerStatuses.Single().Ready);
        // The liveness probe (which would always fail) has not run yet.
        Assert.DoesNotContain(await EventsAsync("startup"), e => e.Message.StartsWith("Liveness", StringComparison.Ordinal));

        var containerId = waiting.Status.ContainerStatuses.Single().ContainerID["containerd://".Length..];
        (await fixture.Node.Cri.ExecSyncAsync(containerId, ["touch", "/tmp/healthy"], TimeSpan.FromSeconds(10))).GetValueOrThrow();
        await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.Single().Started == true, "started");
        await Run.UntilAsync(async () => (await EventsAsync("startup")).Any(e => e.Message.StartsWith("Liveness probe failed", StringComparison.Ordinal)) ? "" : null,
            "the liveness probe to run after startup", onTimeout: () => Task.FromResult(fixture.Log));

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task PreStop_runs_before_SIGTERM_on_delete_and_postStart_after_start()
    {
        var spec = Pod("hooks", ["sh", "-c", "trap 'echo TERM >> /shared/seen; exit 0' TERM; echo up >> /shared/seen; while true; do sleep 0.2; done"]);
        spec.Spec.TerminationGracePeriodSeconds = 30;
        spec.Spec.Containers[0].Lifecycle = new V1Lifecycle
        {
            PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo postStart > /shared/post-start"] } },
            PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo preStop >> /shared/seen"] } },
        };
        var pod = await CreateAsync(spec);
        await WaitPodAsync(pod, p => p.Status?.Phase == "Running", "Running");

        (await Api.DeleteAsync<V1Pod>("default", "hooks")).EnsureOk();
        await WaitGoneAsync(pod);

        var shared = fixture.Volumes.DirectoryOf("hooks");
        Assert.Equal("postStart\n", await File.ReadAllTextAsync(Path.Combine(shared, "post-start")));
        // The endpoint drain came first, with the whole grace period as its budget, then the
        // container saw the preStop hook's line before the SIGTERM its trap caught.
        Assert.Equal("up\ndrain 30s\npreStop\nTERM\n", await File.ReadAllTextAsync(Path.Combine(shared, "seen")));
        Assert.DoesNotContain(await EventsAsync("hooks"), e => e.Reason is "FailedPreStopHook" or "FailedPostStartHook");
    }

    [Fact]
    public async Task A_failing_postStart_hook_records_FailedPostStartHook_and_the_container_waits_with_PostStartHookError()
    {
        var spec = Pod("poststart-fails", ["sleep", "3600"]);
        spec.Spec.TerminationGracePeriodSeconds = 2;
        spec.Spec.Containers[0].Lifecycle = new V1Lifecycle
        {
            PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo no config >&2; exit 7"] } },
        };
        var pod = await CreateAsync(spec);

        var failed = await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting?.Reason == "PostStartHookError", "PostStartHookError");

        var message = failed.Status.ContainerStatuses.Single().State.Waiting.Message;
        Assert.StartsWith("Exec lifecycle hook ([sh -c echo no config >&2; exit 7]) for Container \"app\" in Pod \"poststart-fails_default(", message, StringComparison.Ordinal);
        Assert.Contains("exited with 7: no config", message, StringComparison.Ordinal);
        var events = await EventsAsync("poststart-fails");
        Assert.Contains(events, e => e.Reason == "FailedPostStartHook" && e.Type == "Warning" && e.Message == message && e.InvolvedObject.FieldPath == "spec.containers{app}");

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task Http_and_tcp_probes_reach_the_pod_ip_and_a_404_liveness_probe_restarts_the_container()
    {
        var spec = Pod("http-probed", []);
        var app = spec.Spec.Containers[0];
        app.Image = ProjectImages.Http;
        app.Command = null;
        app.Ports = [new V1ContainerPort { Name = "web", ContainerPort = 80 }];
        app.ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/cgi-bin/name", Port = "web" }, PeriodSeconds = 1 };
        app.StartupProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 80 }, PeriodSeconds = 1, FailureThreshold = 30 };
        app.LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/missing", Port = 80 }, PeriodSeconds = 1, InitialDelaySeconds = 3 };
        var pod = await CreateAsync(spec);

        // Ready through the httpGet readiness probe (named port) once the tcpSocket startup probe passed.
        var ready = await WaitPodAsync(pod, p => Condition(p, "Ready") == "True", "Ready");
        Assert.True(ready.Status.ContainerStatuses.Single().Started);
        // busybox httpd answers 404 for the liveness path: the container is restarted.
        await WaitPodAsync(pod, p => p.Status?.ContainerStatuses?.Single().RestartCount >= 1, "a liveness restart");
        var events = await EventsAsync("http-probed");
        Assert.Contains(events, e => e.Reason == "Unhealthy" && e.Message == "Liveness probe failed: HTTP probe failed with statuscode: 404");
        Assert.DoesNotContain(events, e => e.Message.StartsWith("Readiness probe failed: HTTP", StringComparison.Ordinal));

        await DeleteAndWaitGoneAsync(pod);
    }

    [Fact]
    public async Task A_tcp_readiness_probe_on_a_closed_port_fails_with_connection_refused()
    {
        var spec = Pod("tcp-closed", []);
        var app = spec.Spec.Containers[0];
        app.Image = ProjectImages.Http;
        app.Command = null;
        app.ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 81 }, PeriodSeconds = 1 };
        var pod = await CreateAsync(spec);

        var running = await WaitPodAsync(pod, p => p.Status?.PodIP is { Length: > 0 } && p.Status.ContainerStatuses?.SingleOrDefault()?.State?.Running is not null, "running");
        var expected = $"Readiness probe failed: dial tcp {running.Status.PodIP}:81: connect: connection refused";
        await Run.UntilAsync(async () => (await EventsAsync("tcp-closed")).Any(e => e.Reason == "Unhealthy" && e.Message == expected) ? "" : null,
            "a refused tcp readiness probe", onTimeout: async () => string.Join("\n", (await EventsAsync("tcp-closed")).Select(e => e.Message)));
        var notReady = (await Api.GetAsync<V1Pod>("default", "tcp-closed")).Require();
        Assert.Equal("False", Condition(notReady, "Ready"));

        await DeleteAndWaitGoneAsync(pod);
    }

    private static V1Probe Exec(IList<string> command, int periodSeconds, int? failureThreshold = null) => new()
    {
        Exec = new V1ExecAction { Command = command },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
    };

    private static V1Pod Pod(string name, IList<string> command) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 5,
            Containers = [new V1Container { Name = "app", Image = ProjectImages.Busybox, ImagePullPolicy = "Never", Command = command }],
        },
    };

    private async Task<V1Pod> CreateAsync(V1Pod pod)
    {
        pod.Spec.NodeName = fixture.NodeName;
        return (await Api.CreateAsync(pod)).Require();
    }

    private async Task<IList<Corev1Event>> EventsAsync(string podName) =>
        (await Api.ListAsync<Corev1Event>("default", new ListOptions { FieldSelector = "involvedObject.name=" + podName })).Require().Items;

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
