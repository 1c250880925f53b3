using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// One probe of one container, run until the container is forgotten. As upstream's prober worker:
/// liveness and readiness wait until the startup probe passed; no attempt before the container
/// has run initialDelaySeconds; then one attempt every periodSeconds, each bounded by
/// timeoutSeconds. A result changes the container's state only after successThreshold
/// consecutive passes or failureThreshold consecutive failures; an attempt that could not run
/// (<see cref="ProbeResult.Error"/>) is not counted. Every failed attempt records an
/// <c>Unhealthy</c> event. After a liveness or startup failure past threshold, or a startup
/// success, the loop ends: there is nothing more for it to decide about this container.
/// </summary>
internal sealed class ProbeLoop(
    ProbedContainer container,
    ProbeKind kind,
    V1Probe probe,
    IProbeActionRunner runner,
    IContainerEventSink events,
    IPodSyncTrigger trigger,
    TimeProvider time,
    ILogger logger)
{
    private readonly ProbeSettings _settings = ProbeSettings.For(probe, kind);
    private bool? _lastPassed;
    private int _run;

    public async Task RunAsync(CancellationToken ct)
    {
        if (kind != ProbeKind.Startup)
        {
            await container.Started.WaitAsync(ct).ConfigureAwait(false);
        }
        var firstAt = container.Target.StartedAt + _settings.InitialDelay;
        var wait = firstAt - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, ct).ConfigureAwait(false);
        }
        while (true)
        {
            var outcome = await AttemptAsync(ct).ConfigureAwait(false);
            if (Count(outcome) is { } passed && Decide(passed))
            {
                return;
            }
            await Task.Delay(_settings.Period, time, ct).ConfigureAwait(false);
        }
    }

    private async Task<ProbeOutcome> AttemptAsync(CancellationToken ct)
    {
        var target = container.Target;
        ProbeOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(target.Pod, target.Container, target.ContainerId, probe, _settings.Timeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A bug in a runner must not end the loop silently: logged, and the attempt is not counted.
            ProbeLog.AttemptCrashed(logger, kind, target.Container.Name, target.ContainerId, e);
            return ProbeOutcome.Error(e.Message);
        }
        var name = kind.ToString();
        switch (outcome.Result)
        {
            case ProbeResult.Failure:
                events.Record(target.Pod.Pod, target.Container.Name, "Warning", "Unhealthy", $"{name} probe failed: {outcome.Output}");
                break;
            case ProbeResult.Warning:
                events.Record(target.Pod.Pod, target.Container.Name, "Warning", "ProbeWarning", $"{name} probe warning: {outcome.Output}");
                break;
            case ProbeResult.Error:
                events.Record(target.Pod.Pod, target.Container.Name, "Warning", "Unhealthy", $"{name} probe errored: {outcome.Output}");
                break;
        }
        return outcome;
    }

    /// <summary>Null: the attempt does not count. Otherwise whether it passed, once its run reached the threshold.</summary>
    private bool? Count(ProbeOutcome outcome)
    {
        if (outcome.Result == ProbeResult.Error)
        {
            return null;
        }
        var passed = outcome.Passed;
        _run = _lastPassed == passed ? _run + 1 : 1;
        _lastPassed = passed;
        var threshold = passed ? _settings.SuccessThreshold : _settings.FailureThreshold;
        return _run >= threshold ? passed : null;
    }

    /// <summary>Applies a decided result; true when this loop is done.</summary>
    private bool Decide(bool passed)
    {
        var target = container.Target;
        if (container.Apply(kind, passed))
        {
            ProbeLog.StateChanged(logger, kind, passed, target.Container.Name, target.ContainerId);
            trigger.Resync(target.Pod.Pod.Metadata.Uid);
        }
        return kind == ProbeKind.Startup || (kind == ProbeKind.Liveness && !passed);
    }
}
