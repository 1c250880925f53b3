using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>Exec probes and exec hooks through CRI ExecSync in a real busybox container on containerd + runc.</summary>
public sealed class ExecProbeTests(ContainerdNode node) : IClassFixture<ContainerdNode>
{
    private sealed class Events : IContainerEventSink
    {
        public ConcurrentQueue<(string Reason, string Message)> All { get; } = new();

        public void Record(V1Pod pod, string containerName, string type, string reason, string message) => All.Enqueue((reason, message));
    }

    private sealed class Trigger : IPodSyncTrigger
    {
        public int Count;

        public void Resync(string podUid) => Interlocked.Increment(ref Count);
    }

    private async Task<string> RunningBusyboxAsync(string name)
    {
        var sandbox = PodSpecs.Sandbox(node, name);
        var podId = (await node.Cri.RunPodSandboxAsync(sandbox)).GetValueOrThrow();
        var id = (await node.Cri.CreateContainerAsync(podId, PodSpecs.Container(name, ProjectImages.Busybox, "sleep", "3600"), sandbox)).GetValueOrThrow();
        (await node.Cri.StartContainerAsync(id)).GetValueOrThrow();
        return id;
    }

    private static PodContext Context(V1Container container) => new(
        new V1Pod { Metadata = new V1ObjectMeta { Name = "probed", NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() }, Spec = new V1PodSpec { Containers = [container] } },
        "node", "127.0.0.1", null, new Dictionary<string, ResourceQuantity>());

    [Fact]
    public async Task Exit_code_zero_passes_non_zero_fails_with_the_output_and_a_hung_command_times_out()
    {
        var id = await RunningBusyboxAsync("exec-probe");
        var exec = new ExecProbe(new CriCommandRunner(node.Cri));

        var pass = await exec.RunAsync(id, new V1ExecAction { Command = ["sh", "-c", "echo fine"] }, TimeSpan.FromSeconds(5), CancellationToken.None);
        var fail = await exec.RunAsync(id, new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, TimeSpan.FromSeconds(5), CancellationToken.None);
        var hung = await exec.RunAsync(id, new V1ExecAction { Command = ["sleep", "30"] }, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(ProbeOutcome.Success("fine\n"), pass);
        Assert.Equal(ProbeOutcome.Failure("cat: can't open '/tmp/healthy': No such file or directory\n"), fail);
        Assert.Equal(ProbeOutcome.Failure("command \"sleep 30\" timed out"), hung);
    }

    [Fact]
    public async Task A_liveness_probe_that_starts_failing_asks_for_a_restart_after_three_attempts()
    {
        var id = await RunningBusyboxAsync("liveness");
        var commands = new CriCommandRunner(node.Cri);
        (await node.Cri.ExecSyncAsync(id, ["touch", "/tmp/healthy"], TimeSpan.FromSeconds(10))).GetValueOrThrow();
        var container = new V1Container
        {
            Name = "liveness",
            LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1 },
        };
        var events = new Events();
        var trigger = new Trigger();
        await using var probes = new ContainerProbes(ProbeActionRunner.Create(commands, new HttpGetClient(TimeProvider.System), TimeProvider.System),
            events, trigger, TimeProvider.System, NullLogger<ContainerProbes>.Instance);
        probes.Watch(new ProbeTarget(Context(container), container, id, DateTimeOffset.UtcNow));

        Assert.Null(probes.StateOf(id).RestartReason);
        (await node.Cri.ExecSyncAsync(id, ["rm", "/tmp/healthy"], TimeSpan.FromSeconds(10))).GetValueOrThrow();
        var reason = await Run.UntilAsync(() => Task.FromResult(probes.StateOf(id).RestartReason), "the liveness probe to give up");

        Assert.Equal("Container liveness failed liveness probe, will be restarted", reason);
        Assert.Equal(3, events.All.Count(e => e == ("Unhealthy", "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n")));
        Assert.Equal(1, trigger.Count);
    }

    [Fact]
    public async Task Exec_hooks_run_in_the_container_and_a_failing_post_start_is_reported()
    {
        var id = await RunningBusyboxAsync("hooks");
        var events = new Events();
        var hooks = new LifecycleHooks(new CriCommandRunner(node.Cri), new HttpGetClient(TimeProvider.System), events, TimeProvider.System, NullLogger<LifecycleHooks>.Instance);
        var ok = new V1Container
        {
            Name = "hooks",
            Lifecycle = new V1Lifecycle
            {
                PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo started > /tmp/post-start"] } },
                PreStop = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo stopping > /tmp/pre-stop"] } },
            },
        };
        var failing = new V1Container
        {
            Name = "hooks",
            Lifecycle = new V1Lifecycle { PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "echo no config >&2; exit 7"] } } },
        };

        Assert.Null(await hooks.RunPostStartAsync(Context(ok), ok, id, CancellationToken.None));
        await hooks.RunPreStopAsync(Context(ok), ok, id, TimeSpan.FromSeconds(30), CancellationToken.None);
        var failure = await hooks.RunPostStartAsync(Context(failing), failing, id, CancellationToken.None);

        var files = (await node.Cri.ExecSyncAsync(id, ["cat", "/tmp/post-start", "/tmp/pre-stop"], TimeSpan.FromSeconds(10))).GetValueOrThrow();
        Assert.Equal("started\nstopping\n", files.StdoutText);
        Assert.NotNull(failure);
        Assert.Contains("exited with 7: no config", failure, StringComparison.Ordinal);
        Assert.Equal([("FailedPostStartHook", failure)], events.All);
    }
}
