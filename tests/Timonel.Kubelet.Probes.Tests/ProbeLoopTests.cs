using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.Probes.Tests;

/// <summary>
/// The probing loops on a fake clock with a scripted runner. A script sees the container's state
/// at the start of each attempt, which is the state every earlier attempt left: the loop of one
/// probe is sequential.
/// </summary>
public sealed class ProbeLoopTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingEvents _events = new();
    private readonly CountingTrigger _trigger = new();
    private readonly ScriptedRunner _runner;
    private readonly ContainerProbes _probes;

    public ProbeLoopTests()
    {
        _runner = new ScriptedRunner(_time);
        _probes = new ContainerProbes(_runner, _events, _trigger, _time, NullLogger<ContainerProbes>.Instance);
    }

    public ValueTask DisposeAsync() => _probes.DisposeAsync();

    private V1Container Watch(V1Container container)
    {
        _probes.Watch(new ProbeTarget(Pods.Context(container), container, "c1", _time.GetUtcNow()));
        return container;
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        // A guard against hanging, not a measure of speed: the loops react within milliseconds.
        for (var i = 0; i < 2000 && !condition(); i++)
        {
            await Task.Delay(5);
        }
        Assert.True(condition());
    }

    [Fact]
    public async Task Liveness_failing_three_times_in_a_row_asks_for_a_restart_and_stops_probing()
    {
        var seen = new ConcurrentQueue<ContainerProbeState>();
        _runner.On(ProbeKind.Liveness, n =>
        {
            seen.Enqueue(_probes.StateOf("c1"));
            return ProbeOutcome.Failure("cat: can't open '/tmp/healthy': No such file or directory");
        });
        Watch(new V1Container { Name = "app", LivenessProbe = Pods.Probe() });

        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Liveness) == 3);
        await EventuallyAsync(() => _probes.StateOf("c1").RestartReason is not null);

        Assert.All(seen, s => Assert.Null(s.RestartReason));
        Assert.Equal("Container app failed liveness probe, will be restarted", _probes.StateOf("c1").RestartReason);
        Assert.Equal(3, _events.All.Count(e => e is { Type: "Warning", Reason: "Unhealthy", Container: "app" }
            && e.Message == "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"));
        Assert.Equal(["uid-1"], _trigger.Uids);
        // On hold: the container is to be killed; its successor comes with a new id.
        await _time.PassAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(3, _runner.Count(ProbeKind.Liveness));
    }

    [Fact]
    public async Task Attempts_follow_the_default_period_and_a_success_resets_the_failure_run()
    {
        // fail, fail, pass, fail, fail: never three failures in a row.
        _runner.On(ProbeKind.Liveness, n => n == 2 ? ProbeOutcome.Success() : ProbeOutcome.Failure("no"));
        Watch(new V1Container { Name = "app", LivenessProbe = Pods.Probe() });

        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Liveness) == 5);
        await _time.PassAsync(TimeSpan.FromSeconds(5));

        Assert.Null(_probes.StateOf("c1").RestartReason);
        var times = _runner.Attempts.Where(a => a.Kind == ProbeKind.Liveness).Select(a => a.At).ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromSeconds(10)));
        Assert.Empty(_trigger.Uids);
    }

    [Fact]
    public async Task No_attempt_before_the_initial_delay()
    {
        var started = _time.GetUtcNow();
        Watch(new V1Container { Name = "app", LivenessProbe = Pods.Probe(initialDelay: 15, period: 2) });

        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Liveness) == 2);

        var first = _runner.Attempts.First(a => a.Kind == ProbeKind.Liveness).At;
        Assert.True(first >= started + TimeSpan.FromSeconds(15), $"first attempt at {first - started}");
    }

    [Fact]
    public async Task Readiness_is_false_until_the_first_success_and_failures_never_restart()
    {
        var seen = new ConcurrentQueue<ContainerProbeState>();
        _runner.On(ProbeKind.Readiness, n =>
        {
            seen.Enqueue(_probes.StateOf("c1"));
            return n < 4 ? ProbeOutcome.Failure("HTTP probe failed with statuscode: 500") : ProbeOutcome.Success();
        });
        Watch(new V1Container { Name = "app", ReadinessProbe = Pods.Probe(period: 1) });

        Assert.Equal(new ContainerProbeState(Started: true, Ready: false, RestartReason: null), _probes.StateOf("c1"));
        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Readiness) == 5);
        await EventuallyAsync(() => _probes.StateOf("c1").Ready);

        Assert.All(seen, s => Assert.Equal(new ContainerProbeState(true, false, null), s));
        Assert.Equal(4, _events.All.Count(e => e.Message == "Readiness probe failed: HTTP probe failed with statuscode: 500"));
        Assert.Equal(["uid-1"], _trigger.Uids);
    }

    [Fact]
    public async Task Readiness_turns_false_after_failure_threshold_and_back_after_success_threshold()
    {
        var seen = new ConcurrentQueue<bool>();
        // successThreshold 2, failureThreshold 3: pass pass, fail fail fail, pass pass, pass.
        _runner.On(ProbeKind.Readiness, n =>
        {
            seen.Enqueue(_probes.StateOf("c1").Ready);
            return n is >= 2 and <= 4 ? ProbeOutcome.Failure("down") : ProbeOutcome.Success();
        });
        Watch(new V1Container { Name = "app", ReadinessProbe = Pods.Probe(period: 1, successThreshold: 2) });

        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Readiness) == 8);

        // Ready as each attempt found it: true only once two passes in a row were seen, false
        // again only after three failures in a row.
        Assert.Equal([false, false, true, true, true, false, false, true], seen);
        Assert.Equal(["uid-1", "uid-1", "uid-1"], _trigger.Uids);
        Assert.Null(_probes.StateOf("c1").RestartReason);
    }

    [Fact]
    public async Task Liveness_and_readiness_wait_for_the_startup_probe()
    {
        var livenessSawStarted = new ConcurrentQueue<bool>();
        _runner.On(ProbeKind.Startup, n => n < 3 ? ProbeOutcome.Failure("connection refused") : ProbeOutcome.Success());
        _runner.On(ProbeKind.Liveness, n =>
        {
            livenessSawStarted.Enqueue(_probes.StateOf("c1").Started);
            return ProbeOutcome.Success();
        });
        Watch(new V1Container
        {
            Name = "app",
            StartupProbe = Pods.Probe(period: 1, failureThreshold: 30),
            LivenessProbe = Pods.Probe(period: 1),
            ReadinessProbe = Pods.Probe(period: 1),
        });

        Assert.Equal(new ContainerProbeState(false, false, null), _probes.StateOf("c1"));
        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Liveness) >= 1 && _runner.Count(ProbeKind.Readiness) >= 1);
        await EventuallyAsync(() => _probes.StateOf("c1").Ready);

        var lastStartup = _runner.Attempts.Last(a => a.Kind == ProbeKind.Startup).At;
        Assert.Equal(4, _runner.Count(ProbeKind.Startup));
        Assert.All(_runner.Attempts.Where(a => a.Kind != ProbeKind.Startup), a => Assert.True(a.At >= lastStartup));
        Assert.All(livenessSawStarted, Assert.True);
        Assert.Equal(3, _events.All.Count(e => e.Message == "Startup probe failed: connection refused"));
    }

    [Fact]
    public async Task Startup_failing_past_its_threshold_asks_for_a_restart()
    {
        _runner.On(ProbeKind.Startup, _ => ProbeOutcome.Failure("connection refused"));
        Watch(new V1Container { Name = "app", StartupProbe = Pods.Probe(period: 1, failureThreshold: 5), LivenessProbe = Pods.Probe() });

        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Startup) == 5);
        await EventuallyAsync(() => _probes.StateOf("c1").RestartReason is not null);

        Assert.Equal(new ContainerProbeState(false, false, "Container app failed startup probe, will be restarted"), _probes.StateOf("c1"));
        Assert.Equal(0, _runner.Count(ProbeKind.Liveness));
    }

    [Fact]
    public async Task Attempts_that_could_not_run_are_not_counted()
    {
        _runner.On(ProbeKind.Liveness, n => n % 2 == 0 ? ProbeOutcome.Failure("no") : ProbeOutcome.Error("couldn't find port: http in app"));
        Watch(new V1Container { Name = "app", LivenessProbe = Pods.Probe(period: 1) });

        // failure, error, failure, error, failure: the third counted failure restarts.
        await _time.AdvanceUntilAsync(() => _probes.StateOf("c1").RestartReason is not null);

        Assert.Equal(5, _runner.Count(ProbeKind.Liveness));
        Assert.Equal(2, _events.All.Count(e => e.Message == "Liveness probe errored: couldn't find port: http in app"));
    }

    [Fact]
    public void A_container_without_probes_is_started_and_ready_and_an_unknown_one_is_neither()
    {
        Watch(new V1Container { Name = "app" });

        Assert.Equal(new ContainerProbeState(true, true, null), _probes.StateOf("c1"));
        Assert.Equal(new ContainerProbeState(false, false, null), _probes.StateOf("other"));
    }

    [Fact]
    public async Task Forget_stops_the_loops_and_watch_is_idempotent()
    {
        var container = Watch(new V1Container { Name = "app", LivenessProbe = Pods.Probe(period: 1) });
        _probes.Watch(new ProbeTarget(Pods.Context(container), container, "c1", _time.GetUtcNow()));
        await _time.AdvanceUntilAsync(() => _runner.Count(ProbeKind.Liveness) == 3);
        await _time.PassAsync(TimeSpan.FromMilliseconds(500));
        Assert.Equal(3, _runner.Count(ProbeKind.Liveness));

        _probes.Forget("c1");
        await _time.PassAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, _runner.Count(ProbeKind.Liveness));
        Assert.Equal(new ContainerProbeState(false, false, null), _probes.StateOf("c1"));
    }

    [Fact]
    public void Settings_default_as_upstream_and_liveness_success_threshold_is_one()
    {
        var defaults = ProbeSettings.For(new V1Probe(), ProbeKind.Readiness);
        Assert.Equal(new ProbeSettings(TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), 1, 3), defaults);

        var liveness = ProbeSettings.For(new V1Probe { SuccessThreshold = 4, TimeoutSeconds = 5, PeriodSeconds = 0 }, ProbeKind.Liveness);
        Assert.Equal(1, liveness.SuccessThreshold);
        Assert.Equal(TimeSpan.FromSeconds(5), liveness.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), liveness.Period);
    }
}
