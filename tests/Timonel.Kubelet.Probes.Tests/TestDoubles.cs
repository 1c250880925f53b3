using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Pods;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.Probes.Tests;

internal sealed record RecordedEvent(string Pod, string Container, string Type, string Reason, string Message);

internal sealed class RecordingEvents : IContainerEventSink
{
    private readonly ConcurrentQueue<RecordedEvent> _events = new();

    public IReadOnlyList<RecordedEvent> All => [.. _events];

    public void Record(V1Pod pod, string containerName, string type, string reason, string message) =>
        _events.Enqueue(new RecordedEvent(pod.Metadata.Name, containerName, type, reason, message));
}

internal sealed class CountingTrigger : IPodSyncTrigger
{
    private readonly ConcurrentQueue<string> _uids = new();

    public IReadOnlyList<string> Uids => [.. _uids];

    public void Resync(string podUid) => _uids.Enqueue(podUid);
}

/// <summary>Answers each probe kind from a script indexed by attempt number; records when each attempt ran (on the fake clock).</summary>
internal sealed class ScriptedRunner(TimeProvider time) : IProbeActionRunner
{
    private readonly ConcurrentQueue<(ProbeKind Kind, DateTimeOffset At)> _attempts = new();
    private readonly ConcurrentDictionary<ProbeKind, Func<int, ProbeOutcome>> _scripts = new();

    public IReadOnlyList<(ProbeKind Kind, DateTimeOffset At)> Attempts => [.. _attempts];

    public int Count(ProbeKind kind) => Attempts.Count(a => a.Kind == kind);

    public ScriptedRunner On(ProbeKind kind, Func<int, ProbeOutcome> script)
    {
        _scripts[kind] = script;
        return this;
    }

    public Task<ProbeOutcome> RunAsync(PodContext pod, V1Container container, string containerId, V1Probe probe, TimeSpan timeout, CancellationToken ct)
    {
        var kind = ReferenceEquals(probe, container.StartupProbe) ? ProbeKind.Startup
            : ReferenceEquals(probe, container.LivenessProbe) ? ProbeKind.Liveness
            : ProbeKind.Readiness;
        var n = Count(kind);
        _attempts.Enqueue((kind, time.GetUtcNow()));
        return Task.FromResult(_scripts.TryGetValue(kind, out var script) ? script(n) : ProbeOutcome.Success());
    }
}

internal sealed class FakeCommands(Func<IReadOnlyList<string>, ExecSyncResult> answer) : IContainerCommandRunner
{
    public ConcurrentQueue<(string ContainerId, IReadOnlyList<string> Command, TimeSpan Timeout)> Calls { get; } = new();

    public Task<CriResult<ExecSyncResult>> ExecSyncAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        Calls.Enqueue((containerId, command, timeout));
        return Task.FromResult(CriResult<ExecSyncResult>.Success(answer(command)));
    }
}

internal static class Pods
{
    public static PodContext Context(V1Container container, string? podIp = "127.0.0.1") => new(
        new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1" },
            Spec = new V1PodSpec { Containers = [container] },
        },
        "node-a", "127.0.0.1", podIp, new Dictionary<string, ResourceQuantity>());

    public static V1Probe Probe(int? initialDelay = null, int? period = null, int? successThreshold = null, int? failureThreshold = null) => new()
    {
        Exec = new V1ExecAction { Command = ["true"] },
        InitialDelaySeconds = initialDelay,
        PeriodSeconds = period,
        SuccessThreshold = successThreshold,
        FailureThreshold = failureThreshold,
    };
}

/// <summary>Moves the fake clock in small steps until a condition holds, giving the probing loops (on the thread pool) time to react between steps.</summary>
internal static class Clock
{
    public static async Task AdvanceUntilAsync(this FakeTimeProvider time, Func<bool> condition, TimeSpan? step = null, TimeSpan? maxFake = null)
    {
        var limit = time.GetUtcNow() + (maxFake ?? TimeSpan.FromMinutes(10));
        while (!condition())
        {
            if (time.GetUtcNow() >= limit)
            {
                throw new TimeoutException("condition not reached within the fake time allowed");
            }
            await Task.Delay(2);
            if (!condition())
            {
                time.Advance(step ?? TimeSpan.FromMilliseconds(250));
            }
        }
    }

    /// <summary>Lets fake time pass with the loops running, for checks that something did not happen.</summary>
    public static async Task PassAsync(this FakeTimeProvider time, TimeSpan span, TimeSpan? step = null)
    {
        var end = time.GetUtcNow() + span;
        while (time.GetUtcNow() < end)
        {
            await Task.Delay(2);
            time.Advance(step ?? TimeSpan.FromMilliseconds(250));
        }
        await Task.Delay(20);
    }
}
