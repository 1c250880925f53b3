using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// postStart and preStop handlers (exec, httpGet, sleep), as upstream's kubelet runs them.
/// <list type="bullet">
/// <item>postStart runs right after the container started; the worker waits for it before it
/// reports the container running. A failure records <c>FailedPostStartHook</c> and is returned:
/// the worker then kills the container (reason <c>FailedPostStartHook</c>) and reports it waiting
/// with reason <c>PostStartHookError</c> and the message; the restart policy decides what follows.</item>
/// <item>preStop runs before the stop signal, bounded by the grace period left; a failure records
/// <c>FailedPreStopHook</c>, a hook still running when the budget is spent is abandoned (and
/// killed with the container). Either way the worker goes on with SIGTERM.</item>
/// </list>
/// Like upstream, an httpGet hook fails only when no response comes (any status counts as done)
/// and an exec hook fails on a non-zero exit.
/// </summary>
public sealed class LifecycleHooks(
    IContainerCommandRunner commands,
    HttpGetClient http,
    IContainerEventSink events,
    TimeProvider time,
    ILogger<LifecycleHooks> logger)
{
    /// <summary>A hook with no limit of its own still ends: upstream has none, the CRI call limit (2 min) is ours.</summary>
    private static readonly TimeSpan HttpHookTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Null when there is no postStart hook or it succeeded; otherwise the failure message (event already recorded).</summary>
    public async Task<string?> RunPostStartAsync(PodContext pod, V1Container container, string containerId, CancellationToken ct)
    {
        var handler = container.Lifecycle?.PostStart;
        if (handler is null)
        {
            return null;
        }
        var failure = await RunAsync(pod, container, containerId, handler, TimeSpan.Zero, ct).ConfigureAwait(false);
        if (failure is not null)
        {
            ProbeLog.HookFailed(logger, "PostStart", container.Name, PodName(pod.Pod), failure);
            events.Record(pod.Pod, container.Name, "Warning", "FailedPostStartHook", failure);
        }
        return failure;
    }

    /// <summary>Runs the preStop hook, if any, for at most <paramref name="budget"/>; returns when it ended or the budget is spent.</summary>
    public async Task RunPreStopAsync(PodContext pod, V1Container container, string containerId, TimeSpan budget, CancellationToken ct)
    {
        var handler = container.Lifecycle?.PreStop;
        if (handler is null || budget <= TimeSpan.Zero)
        {
            return;
        }
        using var limit = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        string? failure;
        try
        {
            failure = await RunAsync(pod, container, containerId, handler, budget, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            ProbeLog.PreStopOutOfTime(logger, container.Name, PodName(pod.Pod), budget);
            return;
        }
        if (failure is not null && !limit.IsCancellationRequested)
        {
            ProbeLog.HookFailed(logger, "PreStop", container.Name, PodName(pod.Pod), failure);
            events.Record(pod.Pod, container.Name, "Warning", "FailedPreStopHook", failure);
        }
    }

    /// <summary>Null on success; the upstream-worded failure message otherwise. <paramref name="limit"/> zero: none of its own.</summary>
    private async Task<string?> RunAsync(PodContext pod, V1Container container, string containerId, V1LifecycleHandler handler, TimeSpan limit, CancellationToken ct)
    {
        var where = $"for Container \"{container.Name}\" in Pod \"{PodName(pod.Pod)}\"";
        switch (handler)
        {
            case { Exec: { } exec }:
            {
                var command = exec.Command ?? [];
                var result = await commands.ExecSyncAsync(containerId, [.. command], limit, ct).ConfigureAwait(false);
                var shown = $"[{string.Join(' ', command)}]";
                if (!result.IsSuccess)
                {
                    return $"Exec lifecycle hook ({shown}) {where} failed - error: {result.Error.Message}, message: \"\"";
                }
                if (result.Value.ExitCode != 0)
                {
                    var error = $"command '{string.Join(' ', command)}' exited with {result.Value.ExitCode}: {result.Value.StderrText}";
                    return $"Exec lifecycle hook ({shown}) {where} failed - error: {error}, message: \"{result.Value.StdoutText}{result.Value.StderrText}\"";
                }
                return null;
            }
            case { HttpGet: { } action }:
            {
                var url = HttpGetClient.UrlOf(action, container, pod.PodIp, out var error);
                if (url is null)
                {
                    return $"HTTP lifecycle hook ({action.Path}) {where} failed - error: {error}";
                }
                var result = await http.GetAsync(url, action.HttpHeaders, "lifecycle", limit > TimeSpan.Zero ? limit : HttpHookTimeout, ct).ConfigureAwait(false);
                return result.Answered ? null : $"HTTP lifecycle hook ({action.Path}) {where} failed - error: {result.Error}";
            }
            case { Sleep: { } sleep }:
                // Cancellation (the budget spent, the worker stopping) ends the sleep early: the
                // container is going away, which is what upstream reports as this hook's failure.
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, sleep.Seconds)), time, ct).ConfigureAwait(false);
                return null;
            default:
                return $"Cannot run handler: invalid handler {where}: no exec, httpGet or sleep";
        }
    }

    /// <summary>name_namespace(uid), upstream's way of naming a pod in messages.</summary>
    private static string PodName(V1Pod pod) => $"{pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})";
}
