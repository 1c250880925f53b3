using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.Probes.Tests;

public sealed class LifecycleHookTests : IAsyncLifetime
{
    private readonly HttpGetClient _http = new(TimeProvider.System);
    private readonly RecordingEvents _events = new();
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private LifecycleHooks Hooks(IContainerCommandRunner? commands = null, TimeProvider? time = null) =>
        new(commands ?? new FakeCommands(_ => new ExecSyncResult([], [], 0)), _http, _events, time ?? TimeProvider.System, NullLogger<LifecycleHooks>.Instance);

    private static V1Container With(V1LifecycleHandler? postStart = null, V1LifecycleHandler? preStop = null) =>
        new() { Name = "app", Lifecycle = new V1Lifecycle { PostStart = postStart, PreStop = preStop } };

    [Fact]
    public async Task Http_post_start_calls_the_pod_with_kube_lifecycle_user_agent_and_any_status_is_success()
    {
        var container = With(postStart: new V1LifecycleHandler { HttpGet = new V1HTTPGetAction { Path = "/status/500", Port = _server.Port } });

        var failure = await Hooks().RunPostStartAsync(Pods.Context(container), container, "c1", CancellationToken.None);

        Assert.Null(failure);
        var request = Assert.Single(_server.Requests, r => r.Path == "/status/500");
        Assert.Equal("kube-lifecycle/1.35", request.Headers["User-Agent"]);
        Assert.Empty(_events.All);
    }

    [Fact]
    public async Task Http_post_start_without_an_answer_fails_with_an_event()
    {
        var closed = await LoopbackServer.StartAsync();
        var port = closed.Port;
        await closed.DisposeAsync();
        var container = With(postStart: new V1LifecycleHandler { HttpGet = new V1HTTPGetAction { Path = "/start", Port = port } });

        var failure = await Hooks().RunPostStartAsync(Pods.Context(container), container, "c1", CancellationToken.None);

        Assert.Equal($"HTTP lifecycle hook (/start) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: Get \"http://127.0.0.1:{port}/start\": dial tcp 127.0.0.1:{port}: connect: connection refused", failure);
        Assert.Equal(new RecordedEvent("web", "app", "Warning", "FailedPostStartHook", failure!), Assert.Single(_events.All));
    }

    [Fact]
    public async Task Exec_post_start_with_a_non_zero_exit_fails_with_its_output()
    {
        var commands = new FakeCommands(_ => new ExecSyncResult("half done\n"u8.ToArray(), "disk full\n"u8.ToArray(), 2));
        var container = With(postStart: new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["sh", "-c", "setup"] } });

        var failure = await Hooks(commands).RunPostStartAsync(Pods.Context(container), container, "c1", CancellationToken.None);

        Assert.Equal("Exec lifecycle hook ([sh -c setup]) for Container \"app\" in Pod \"web_default(uid-1)\" failed - error: command 'sh -c setup' exited with 2: disk full\n, message: \"half done\ndisk full\n\"", failure);
        Assert.Equal("FailedPostStartHook", Assert.Single(_events.All).Reason);
        var call = Assert.Single(commands.Calls);
        Assert.Equal("c1", call.ContainerId);
        Assert.Equal(["sh", "-c", "setup"], call.Command);
    }

    [Fact]
    public async Task No_hook_is_success()
    {
        var container = new V1Container { Name = "app" };

        Assert.Null(await Hooks().RunPostStartAsync(Pods.Context(container), container, "c1", CancellationToken.None));
        await Hooks().RunPreStopAsync(Pods.Context(container), container, "c1", TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Empty(_events.All);
    }

    [Fact]
    public async Task Exec_pre_stop_failure_records_FailedPreStopHook_and_gets_the_budget_as_its_timeout()
    {
        var commands = new FakeCommands(_ => new ExecSyncResult([], [], 1));
        var container = With(preStop: new V1LifecycleHandler { Exec = new V1ExecAction { Command = ["false"] } });

        await Hooks(commands).RunPreStopAsync(Pods.Context(container), container, "c1", TimeSpan.FromSeconds(25), CancellationToken.None);

        var e = Assert.Single(_events.All);
        Assert.Equal(("Warning", "FailedPreStopHook"), (e.Type, e.Reason));
        Assert.StartsWith("Exec lifecycle hook ([false]) for Container \"app\"", e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(25), Assert.Single(commands.Calls).Timeout);
    }

    [Fact]
    public async Task Sleep_pre_stop_ends_when_its_budget_is_spent()
    {
        var time = new FakeTimeProvider();
        var container = With(preStop: new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 600 } });

        var run = Hooks(time: time).RunPreStopAsync(Pods.Context(container), container, "c1", TimeSpan.FromSeconds(30), CancellationToken.None);
        await time.AdvanceUntilAsync(() => run.IsCompleted, step: TimeSpan.FromSeconds(1));
        await run;

        Assert.True(time.GetUtcNow() - time.Start < TimeSpan.FromSeconds(60), "the sleep outlived its budget");
        Assert.Empty(_events.All);
    }

    [Fact]
    public async Task Sleep_post_start_waits_its_seconds()
    {
        var time = new FakeTimeProvider();
        var container = With(postStart: new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 5 } });

        var run = Hooks(time: time).RunPostStartAsync(Pods.Context(container), container, "c1", CancellationToken.None);
        await time.AdvanceUntilAsync(() => run.IsCompleted, step: TimeSpan.FromSeconds(1));

        Assert.Null(await run);
        Assert.True(time.GetUtcNow() - time.Start >= TimeSpan.FromSeconds(5));
    }
}

public sealed class ContainerEventTests
{
    [Fact]
    public void Events_name_the_container_by_field_path_as_upstream()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { InitContainers = [new V1Container { Name = "setup" }], Containers = [new V1Container { Name = "app" }] },
        };

        Assert.Equal("spec.containers{app}", RecorderContainerEvents.FieldPathOf(pod, "app"));
        Assert.Equal("spec.initContainers{setup}", RecorderContainerEvents.FieldPathOf(pod, "setup"));
    }
}
