using k8s.Models;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Pods;

internal sealed partial class PodSync
{
    /// <summary>
    /// A pod being deleted (deletionTimestamp) or gone from the API: first the endpoint drain
    /// (<see cref="PodWorkerParts.Drain"/>: until no Service sends new connections to the pod,
    /// taken from the grace period), then every running container gets
    /// its preStop hook and the stop signal in parallel, with the pod's deletion grace period
    /// (2 s for a pod already gone from the API, as force deletion leaves no grace to honour),
    /// then the sandboxes are stopped; as upstream's kubelet, the pod's final status (Succeeded or
    /// Failed, every container terminated with its exit code) is written while the stopped
    /// containers can still tell how they ended; then the sandboxes are removed (with their
    /// containers), the volumes torn down, the log directory removed, and the pod object deleted
    /// with grace 0 and a uid precondition, so a new pod of the same name is never touched. A
    /// watcher thus sees a MODIFIED event with the terminated containers before the DELETED one.
    /// A failed step retries at the next sync.
    /// </summary>
    private async Task<SyncOutcome> TerminateAsync(PodWorker worker, V1Pod pod, PodRuntimeView view, bool removedFromApi, CancellationToken ct)
    {
        var grace = removedFromApi ? MinimumGracePeriod : GracePeriod(pod);
        var context = ContextOf(pod, view.PodIp);
        var running = view.All.Where(i => i.IsRunning).ToList();
        // Zero downtime: no new connection reaches the pod before its containers start stopping.
        // A host-network pod is skipped: its address is the node's, which other endpoints share.
        if (!removedFromApi && running.Count > 0 && _parts.Drain is { } drain && context.PodIp is not null && pod.Spec?.HostNetwork != true)
        {
            var started = Now;
            await drain(context, grace, ct).ConfigureAwait(false);
            var remaining = grace - (Now - started);
            grace = remaining > MinimumGracePeriod ? remaining : MinimumGracePeriod;
        }
        // Main (and regular init) containers first, in parallel; then the sidecars, which they may still need while stopping.
        var stopping = Now;
        await Task.WhenAll(running.Where(i => !Sidecars.Is(pod, i.Name)).Select(async instance =>
        {
            var spec = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).FirstOrDefault(c => c.Name == instance.Name);
            if (!removedFromApi)
            {
                ContainerEvent(pod, instance.Name, "Normal", "Killing", "Stopping container " + instance.Name);
            }
            await StopContainerAsync(context, spec, instance.Id, grace, ct).ConfigureAwait(false);
        })).ConfigureAwait(false);
        await StopSidecarsAsync(context, view, grace - (Now - stopping), announce: !removedFromApi, ct).ConfigureAwait(false);
        // A container the runtime still reports as created may have started after all (a start
        // that a loaded runtime carried out late): its running task would make every removal of
        // the sandbox fail ("cannot delete running task"), so it is stopped too.
        foreach (var instance in view.All.Where(i => i.IsCreated))
        {
            await _cri.StopContainerAsync(instance.Id, TimeSpan.Zero, ct).ConfigureAwait(false);
        }
        foreach (var instance in view.All)
        {
            _parts.Probes.Forget(instance.Id);
        }
        if (!removedFromApi && !await WriteFinalStatusAsync(worker, pod, view, ct).ConfigureAwait(false))
        {
            return SyncOutcome.After(TimeSpan.FromSeconds(1));
        }
        foreach (var sandbox in view.Sandboxes)
        {
            var stopped = await _cri.StopPodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
            var removed = stopped.IsSuccess ? await _cri.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false) : CriResult<CriUnit>.Failure(stopped.Error);
            if (!removed.IsSuccess && removed.Error.Kind != CriErrorKind.NotFound)
            {
                PodWorkerLog.RuntimeFailed(_logger, pod.Metadata.Name, removed.Error.ToString());
                return SyncOutcome.After(RuntimeRetry);
            }
        }
        // Containers whose sandbox is already gone (removing a sandbox removes its own).
        var left = await PodRuntimeView.ReadAsync(_cri, pod.Metadata.Uid, ct).ConfigureAwait(false);
        if (!left.IsSuccess)
        {
            return SyncOutcome.After(RuntimeRetry);
        }
        foreach (var instance in left.Value.All)
        {
            await _cri.StopContainerAsync(instance.Id, MinimumGracePeriod, ct).ConfigureAwait(false);
            await _cri.RemoveContainerAsync(instance.Id, ct).ConfigureAwait(false);
        }
        await _parts.Volumes.TearDownAsync(pod.Metadata.Uid, ct).ConfigureAwait(false);
        RemoveLogDirectory(pod);
        RemovePodDirectory(pod);
        _backOff.ForgetPod(pod.Metadata.Uid);
        _publish(pod, null);
        if (removedFromApi)
        {
            return SyncOutcome.Gone;
        }
        var deleted = await _api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name,
            preconditionUid: pod.Metadata.Uid, ct: ct, gracePeriodSeconds: 0).ConfigureAwait(false);
        // 409: the uid precondition failed, the name belongs to a new pod now; ours is gone.
        if (deleted.Ok || deleted.IsNotFound || deleted.IsConflict)
        {
            return SyncOutcome.Gone;
        }
        PodWorkerLog.DeleteFailed(_logger, pod.Metadata.Name, deleted.ToString());
        return SyncOutcome.After(RuntimeRetry);
    }

    /// <summary>
    /// Stops the sandboxes (the containers already stopped) and writes the status built from what
    /// the runtime reports now. False when it could not be written (a conflict or an API error).
    /// </summary>
    private async Task<bool> WriteFinalStatusAsync(PodWorker worker, V1Pod pod, PodRuntimeView view, CancellationToken ct)
    {
        await StopSandboxesAsync(pod, view, ct).ConfigureAwait(false);
        if (await ReadAsync(pod, ct).ConfigureAwait(false) is not { } stopped)
        {
            return false;
        }
        var final = PodStatusBuilder.Build(pod, stopped, new Dictionary<string, WaitingReason>(), _parts.Probes, _options.HostIp,
            Now.UtcDateTime, TerminationMessages.Read(pod, stopped), podIsTerminal: true);
        return await WriteStatusAsync(worker, pod, final, new SyncNotes(), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the running sidecars one after the other, in reverse order of declaration (a later
    /// sidecar may use an earlier one), sharing what is left of the grace period (each gets at least 2 s).
    /// </summary>
    private async Task StopSidecarsAsync(PodContext context, PodRuntimeView view, TimeSpan grace, bool announce, CancellationToken ct)
    {
        var pod = context.Pod;
        var started = Now;
        foreach (var sidecar in Sidecars.Of(pod).Reverse())
        {
            if (view.Newest(sidecar.Name) is not { IsRunning: true } instance)
            {
                continue;
            }
            if (announce)
            {
                ContainerEvent(pod, sidecar.Name, "Normal", "Killing", "Stopping container " + sidecar.Name);
            }
            await StopContainerAsync(context, sidecar, instance.Id, grace - (Now - started), ct).ConfigureAwait(false);
            _parts.Probes.Forget(instance.Id);
        }
    }

    private void RemoveLogDirectory(V1Pod pod) => RemoveDirectory(pod, CriConfigs.LogDirectory(_options.PodLogRoot, pod));

    /// <summary>The worker's own files (hosts file, termination messages); the volumes' part is already gone.</summary>
    private void RemovePodDirectory(V1Pod pod) => RemoveDirectory(pod, PodDirectory(pod));

    private void RemoveDirectory(V1Pod pod, string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException e)
        {
            PodWorkerLog.RuntimeFailed(_logger, pod.Metadata.Name, $"could not remove {dir}: {e.Message}");
        }
    }
}
