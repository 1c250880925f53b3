using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>What one sync learned on the way: why containers wait, and when to look again.</summary>
internal sealed class SyncNotes
{
    public Dictionary<string, WaitingReason> Waiting { get; } = new(StringComparer.Ordinal);

    public TimeSpan? NextSyncIn { get; private set; }

    public void SyncWithin(TimeSpan delay)
    {
        if (NextSyncIn is null || delay < NextSyncIn)
        {
            NextSyncIn = delay;
        }
    }
}

/// <summary>
/// One sync of one pod, as the kubelet's syncPod does it. Every sync starts from what the runtime
/// has (PodRuntimeView), so it is idempotent and an agent restart loses nothing but back-off
/// timers. A pod being deleted, or gone from the API, is terminated (PodSync.Termination.cs). A
/// running pod: sandbox, volumes, init containers one at a time (each must exit 0 before the
/// next starts), then every container not running that the restart policy wants running, after
/// its CrashLoopBackOff wait (PodSync.Containers.cs); then the status is written if it changed
/// (PodSync.Status.cs). A pod whose phase is Succeeded or Failed gets its sidecars stopped, then its
/// sandbox, and nothing started again.
/// </summary>
internal sealed partial class PodSync
{
    private static readonly TimeSpan MinimumGracePeriod = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RuntimeRetry = TimeSpan.FromSeconds(2);

    private readonly ApiConnection _api;
    private readonly CriClient _cri;
    private readonly PodWorkerParts _parts;
    private readonly PodWorkerOptions _options;
    private readonly RestartBackOff _backOff;
    private readonly Action<V1Pod, PodContainerLocations?> _publish;
    private readonly ILogger _logger;

    public PodSync(ApiConnection api, CriClient cri, PodWorkerParts parts, PodWorkerOptions options, RestartBackOff backOff,
        Action<V1Pod, PodContainerLocations?> publish, ILogger logger)
    {
        _api = api;
        _cri = cri;
        _parts = parts;
        _options = options;
        _backOff = backOff;
        _publish = publish;
        _logger = logger;
    }

    private DateTimeOffset Now => _options.Time.GetUtcNow();

    public async Task<SyncOutcome> SyncAsync(PodWorker worker, CancellationToken ct)
    {
        var pod = worker.Pod;
        var view = await ReadAsync(pod, ct).ConfigureAwait(false);
        if (view is null)
        {
            return SyncOutcome.After(RuntimeRetry);
        }
        if (worker.RemovedFromApi || pod.Metadata.DeletionTimestamp is not null)
        {
            return await TerminateAsync(worker, pod, view, worker.RemovedFromApi, ct).ConfigureAwait(false);
        }
        _publish(pod, PodContainerLocations.From(pod, view, _options.HostIp));
        var notes = new SyncNotes();
        var before = PodStatusBuilder.Build(pod, view, notes.Waiting, _parts.Probes, _options.HostIp, Now.UtcDateTime,
            TerminationMessages.Read(pod, view));
        if (before.Phase is not ("Succeeded" or "Failed"))
        {
            if (pod.Status?.ContainerStatuses is null)
            {
                // First sight of the pod: report it (Pending, ContainerCreating) before the slow part (sandbox, pulls).
                await WriteStatusAsync(worker, pod, before, notes, ct).ConfigureAwait(false);
            }
            await RunPodAsync(pod, view, notes, ct).ConfigureAwait(false);
            view = await ReadAsync(pod, ct).ConfigureAwait(false);
            if (view is null)
            {
                return SyncOutcome.After(RuntimeRetry);
            }
            _publish(pod, PodContainerLocations.From(pod, view, _options.HostIp));
        }
        var status = PodStatusBuilder.Build(pod, view, notes.Waiting, _parts.Probes, _options.HostIp, Now.UtcDateTime,
            TerminationMessages.Read(pod, view));
        if (status.Phase is ("Succeeded" or "Failed") && view.All.Any(i => i.IsRunning && Sidecars.Is(pod, i.Name)))
        {
            // The main containers completed: the sidecars go, gracefully, and the status shows them terminated.
            await StopSidecarsAsync(ContextOf(pod, view.PodIp), view, GracePeriod(pod), announce: true, ct).ConfigureAwait(false);
            view = await ReadAsync(pod, ct).ConfigureAwait(false);
            if (view is null)
            {
                return SyncOutcome.After(RuntimeRetry);
            }
            status = PodStatusBuilder.Build(pod, view, notes.Waiting, _parts.Probes, _options.HostIp, Now.UtcDateTime,
                TerminationMessages.Read(pod, view));
        }
        if (status.Phase is "Succeeded" or "Failed")
        {
            // Nothing runs again: the sandbox (pause, network) goes; containers stay for their logs.
            await StopSandboxesAsync(pod, view, ct).ConfigureAwait(false);
        }
        await WriteStatusAsync(worker, pod, status, notes, ct).ConfigureAwait(false);
        return notes.NextSyncIn is { } next ? SyncOutcome.After(next) : SyncOutcome.Idle;
    }

    private async Task<PodRuntimeView?> ReadAsync(V1Pod pod, CancellationToken ct)
    {
        var view = await PodRuntimeView.ReadAsync(_cri, pod.Metadata.Uid, ct).ConfigureAwait(false);
        if (view.IsSuccess)
        {
            return view.Value;
        }
        PodWorkerLog.RuntimeFailed(_logger, pod.Metadata.Name, view.Error.ToString());
        return null;
    }

    /// <summary>The pod's own directory (shared with the volumes, which live in its <c>volumes/</c>).</summary>
    private string PodDirectory(V1Pod pod) => Path.Combine(_options.EffectivePodDirRoot, pod.Metadata.Uid);

    private PodContext ContextOf(V1Pod pod, string? podIp) =>
        new(pod, _options.NodeName, _options.HostIp, podIp, _options.NodeAllocatable);

    private async Task RunPodAsync(V1Pod pod, PodRuntimeView view, SyncNotes notes, CancellationToken ct)
    {
        var sandbox = view.ReadySandbox;
        if (sandbox is null)
        {
            var fresh = await CreateSandboxAsync(pod, view, notes, ct).ConfigureAwait(false);
            sandbox = fresh?.ReadySandbox;
            if (fresh is null || sandbox is null)
            {
                return;
            }
            view = fresh;
        }
        var context = ContextOf(pod, view.PodIp);
        var sandboxConfig = CriConfigs.Sandbox(context, _options, _parts.RuntimeSettings, sandbox.Metadata?.Attempt ?? 0, _parts.Dns);
        var volumes = await _parts.Volumes.SetUpAsync(context, ct).ConfigureAwait(false);
        if (volumes.Error is { } mountError)
        {
            _parts.Events.Warning(pod, "FailedMount", mountError);
            notes.SyncWithin(RuntimeRetry);
            return;
        }
        var hostsFile = PodHostsFile.Ensure(PodDirectory(pod), pod, view.PodIp, _options.ClusterDomain);
        var target = new SandboxTarget(context, sandbox.Id, sandboxConfig, volumes, hostsFile);
        if (await RunInitContainersAsync(target, view, notes, ct).ConfigureAwait(false))
        {
            await RunContainersAsync(target, view, notes, ct).ConfigureAwait(false);
        }
        await RemoveOldInstancesAsync(view, ct).ConfigureAwait(false);
    }

    /// <summary>A new sandbox (attempt one past the newest); returns the view that has it, or null when the runtime failed.</summary>
    private async Task<PodRuntimeView?> CreateSandboxAsync(V1Pod pod, PodRuntimeView view, SyncNotes notes, CancellationToken ct)
    {
        foreach (var old in view.Sandboxes.Where(s => s.State == PodSandboxState.SandboxReady))
        {
            await _cri.StopPodSandboxAsync(old.Id, ct).ConfigureAwait(false);
        }
        var attempt = view.Sandboxes.Count == 0 ? 0u : view.Sandboxes.Max(s => s.Metadata?.Attempt ?? 0) + 1;
        var config = CriConfigs.Sandbox(ContextOf(pod, null), _options, _parts.RuntimeSettings, attempt, _parts.Dns);
        Directory.CreateDirectory(config.LogDirectory);
        var created = await _cri.RunPodSandboxAsync(config, cancellationToken: ct).ConfigureAwait(false);
        if (!created.IsSuccess)
        {
            _parts.Events.Warning(pod, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + created.Error.Message);
            notes.SyncWithin(RuntimeRetry);
            return null;
        }
        return await ReadAsync(pod, ct).ConfigureAwait(false);
    }

    private async Task StopSandboxesAsync(V1Pod pod, PodRuntimeView view, CancellationToken ct)
    {
        foreach (var sandbox in view.Sandboxes.Where(s => s.State == PodSandboxState.SandboxReady))
        {
            var stopped = await _cri.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
            if (!stopped.IsSuccess && stopped.Error.Kind != CriErrorKind.NotFound)
            {
                PodWorkerLog.RuntimeFailed(_logger, pod.Metadata.Name, stopped.Error.ToString());
            }
        }
    }
}

/// <summary>Where a sync starts containers: the pod's context, its ready sandbox, its volumes and its hosts file (null: none is mounted).</summary>
internal sealed record SandboxTarget(PodContext Context, string SandboxId, PodSandboxConfig SandboxConfig, PodVolumeSetup Volumes, string? HostsFile)
{
    public V1Pod Pod => Context.Pod;
}
