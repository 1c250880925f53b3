using k8s.Models;
using Timonel.Kubelet.Containers;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

internal sealed partial class PodSync
{
    /// <summary>
    /// Init containers in order. Returns true once every regular one has exited 0 and every
    /// sidecar has started (the containers may start); false while one runs, waits for its
    /// back-off, or failed for good (restartPolicy Never: the pod's phase becomes Failed). Once
    /// the pod is initialized, sidecars that exited are restarted here without holding back the
    /// containers, until the containers completed for good.
    /// </summary>
    private async Task<bool> RunInitContainersAsync(SandboxTarget target, PodRuntimeView view, SyncNotes notes, CancellationToken ct)
    {
        var pod = target.Pod;
        var initialized = Sidecars.PodInitialized(pod, view);
        var mainsCompleted = Sidecars.MainContainersCompleted(pod, view);
        foreach (var init in pod.Spec.InitContainers ?? [])
        {
            var newest = view.Newest(init.Name);
            if (Sidecars.Is(init))
            {
                if (!await RunSidecarAsync(target, init, newest, mainsCompleted, notes, ct).ConfigureAwait(false) && !initialized)
                {
                    return false;
                }
                continue;
            }
            if (newest is { IsExited: true, Status.ExitCode: 0 })
            {
                continue;
            }
            if (newest is { IsRunning: true } or { IsUnknown: true })
            {
                return false;
            }
            if (newest is { IsExited: true })
            {
                if (pod.Spec.RestartPolicy == "Never" || !PassedBackOff(pod, init.Name, newest, notes))
                {
                    return false;
                }
            }
            await StartContainerAsync(target, init, await NextRestartCountAsync(newest, ct).ConfigureAwait(false), notes, ct).ConfigureAwait(false);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Keeps one sidecar running: probes and liveness kills while it runs, a restart after its
    /// back-off once it exited (unless the containers completed). True when it runs and has started.
    /// </summary>
    private async Task<bool> RunSidecarAsync(SandboxTarget target, V1Container sidecar, ContainerInstance? newest, bool mainsCompleted,
        SyncNotes notes, CancellationToken ct)
    {
        var pod = target.Pod;
        if (newest is { IsUnknown: true })
        {
            return false;
        }
        if (newest is { IsRunning: true })
        {
            return !await KillIfProbesSayAsync(target, sidecar, newest, notes, ct).ConfigureAwait(false)
                && _parts.Probes.StateOf(newest.Id).Started;
        }
        if (newest is { IsExited: true })
        {
            _parts.Probes.Forget(newest.Id);
            if (mainsCompleted || !PassedBackOff(pod, sidecar.Name, newest, notes))
            {
                return false;
            }
        }
        await StartContainerAsync(target, sidecar, await NextRestartCountAsync(newest, ct).ConfigureAwait(false), notes, ct).ConfigureAwait(false);
        // Started is known at the next sync: at once without a startup probe, else when the probe passes (it triggers a sync).
        notes.SyncWithin(TimeSpan.Zero);
        return false;
    }

    /// <summary>Watches a running container; when a liveness or startup probe failed, kills it (the next sync restarts it) and returns true.</summary>
    private async Task<bool> KillIfProbesSayAsync(SandboxTarget target, V1Container container, ContainerInstance running, SyncNotes notes, CancellationToken ct)
    {
        _parts.Probes.Watch(new ProbeTarget(target.Context, container, running.Id, running.StartedAt));
        if (_parts.Probes.StateOf(running.Id).RestartReason is not { } reason)
        {
            return false;
        }
        ContainerEvent(target.Pod, container.Name, "Normal", "Killing", reason);
        await StopContainerAsync(target.Context, container, running.Id, GracePeriod(target.Pod), ct).ConfigureAwait(false);
        _parts.Probes.Forget(running.Id);
        // The next sync sees the exit and restarts it per policy.
        notes.SyncWithin(TimeSpan.Zero);
        return true;
    }

    /// <summary>Every container that is not running and that the restart policy wants running is started; a liveness failure kills one first.</summary>
    private async Task RunContainersAsync(SandboxTarget target, PodRuntimeView view, SyncNotes notes, CancellationToken ct)
    {
        var pod = target.Pod;
        var policy = pod.Spec.RestartPolicy ?? "Always";
        foreach (var container in pod.Spec.Containers)
        {
            var newest = view.Newest(container.Name);
            if (newest is { IsUnknown: true })
            {
                continue;
            }
            if (newest is { IsRunning: true })
            {
                await KillIfProbesSayAsync(target, container, newest, notes, ct).ConfigureAwait(false);
                continue;
            }
            if (newest is { IsExited: true })
            {
                _parts.Probes.Forget(newest.Id);
                var wanted = policy switch
                {
                    "Never" => false,
                    "OnFailure" => newest.Status.ExitCode != 0,
                    _ => true,
                };
                if (!wanted || !PassedBackOff(pod, container.Name, newest, notes))
                {
                    continue;
                }
            }
            await StartContainerAsync(target, container, await NextRestartCountAsync(newest, ct).ConfigureAwait(false), notes, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The restart count of the next instance: one past the newest. A newest instance that was
    /// created but never started (a start that failed midway) is removed and its count reused.
    /// </summary>
    private async Task<int> NextRestartCountAsync(ContainerInstance? newest, CancellationToken ct)
    {
        if (newest is null)
        {
            return 0;
        }
        if (newest.IsCreated)
        {
            // Its start may have gone through after all on a loaded runtime that reported it late
            // or failed; a running task makes the remove fail every time, so stop it first.
            await _cri.StopContainerAsync(newest.Id, TimeSpan.Zero, ct).ConfigureAwait(false);
            await _cri.RemoveContainerAsync(newest.Id, ct).ConfigureAwait(false);
            return newest.RestartCount;
        }
        return newest.RestartCount + 1;
    }

    /// <summary>True when the exited container may restart now (and counts the restart); else notes CrashLoopBackOff.</summary>
    private bool PassedBackOff(V1Pod pod, string container, ContainerInstance exited, SyncNotes notes)
    {
        var key = RestartBackOff.KeyOf(pod.Metadata.Uid, container);
        if (_backOff.IsInBackOff(key, exited.FinishedAt, out var delay, out var remaining))
        {
            var podRef = $"{pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})";
            notes.Waiting[container] = new WaitingReason("CrashLoopBackOff",
                $"back-off {RestartBackOff.Format(delay)} restarting failed container={container} pod={podRef}");
            ContainerEvent(pod, container, "Warning", "BackOff", $"Back-off restarting failed container {container} in pod {podRef}");
            notes.SyncWithin(remaining);
            return false;
        }
        _backOff.Next(key, exited.FinishedAt);
        return true;
    }

    /// <summary>Image, environment, create, start, then probes. A failure is noted as the container's waiting reason.</summary>
    private async Task StartContainerAsync(SandboxTarget target, V1Container container, int restartCount, SyncNotes notes, CancellationToken ct)
    {
        var pod = target.Pod;
        var image = await _parts.Images.EnsureAsync(target.Context, container, ct).ConfigureAwait(false);
        if (image.ImageRef is null)
        {
            notes.Waiting[container.Name] = new WaitingReason(image.Reason ?? "ErrImagePull", image.Message);
            return;
        }
        var env = await _parts.Environment.BuildAsync(target.Context, container, ct).ConfigureAwait(false);
        if (env.Error is { } envError)
        {
            notes.Waiting[container.Name] = new WaitingReason("CreateContainerConfigError", envError);
            ContainerEvent(pod, container.Name, "Warning", "Failed", "Error: " + envError);
            return;
        }
        var imageStatus = await _cri.ImageStatusAsync(image.ImageRef, ct).ConfigureAwait(false);
        if (!imageStatus.IsSuccess)
        {
            // The image vanished between EnsureAsync and here, or the runtime failed: try again soon.
            notes.Waiting[container.Name] = new WaitingReason("CreateContainerConfigError", imageStatus.Error.Message);
            notes.SyncWithin(RuntimeRetry);
            return;
        }
        if (ContainerRuntimeSettings.Verify(target.Context, container, imageStatus.Value) is { } nonRootError)
        {
            notes.Waiting[container.Name] = new WaitingReason("CreateContainerConfigError", nonRootError);
            ContainerEvent(pod, container.Name, "Warning", "Failed", "Error: " + nonRootError);
            return;
        }
        var mounts = new List<ContainerMount>(target.Volumes.MountsByContainer.TryGetValue(container.Name, out var m) ? m : []);
        if (target.HostsFile is { } hosts && !PodHostsFile.MountedByContainer(container))
        {
            mounts.Add(new ContainerMount(PodHostsFile.ContainerPath, hosts, ReadOnly: false));
        }
        mounts.Add(TerminationMessages.Prepare(PodDirectory(pod), container, restartCount));
        var (imageUid, imageUser) = ImageUser(imageStatus.Value);
        var linux = _parts.RuntimeSettings.ForContainer(target.Context, container, imageUid, imageUser);
        var config = CriConfigs.Container(target.Context, container, image.ImageRef, restartCount, env, mounts, linux);
        Directory.CreateDirectory(Path.Combine(target.SandboxConfig.LogDirectory, container.Name));
        var created = await _cri.CreateContainerAsync(target.SandboxId, config, target.SandboxConfig, ct).ConfigureAwait(false);
        if (!created.IsSuccess)
        {
            notes.Waiting[container.Name] = new WaitingReason("CreateContainerError", created.Error.Message);
            ContainerEvent(pod, container.Name, "Warning", "Failed", "Error: " + created.Error.Message);
            notes.SyncWithin(RuntimeRetry);
            return;
        }
        ContainerEvent(pod, container.Name, "Normal", "Created", "Created container: " + container.Name);
        var started = await _cri.StartContainerAsync(created.Value, ct).ConfigureAwait(false);
        if (!started.IsSuccess)
        {
            // The runtime marks the container exited (StartError): the restart policy and back-off take it from here.
            ContainerEvent(pod, container.Name, "Warning", "Failed", "Error: " + started.Error.Message);
            notes.SyncWithin(TimeSpan.Zero);
            return;
        }
        ContainerEvent(pod, container.Name, "Normal", "Started", "Started container " + container.Name);
        PodWorkerLog.ContainerStarted(_logger, pod.Metadata.Name, container.Name, created.Value, restartCount);
        if (container.Lifecycle?.PostStart is not null && _parts.PostStart is { } postStart
            && await postStart(target.Context, container, created.Value, ct).ConfigureAwait(false) is { } hookError)
        {
            // The hook runner recorded FailedPostStartHook; the container goes, and its restart follows the policy.
            notes.Waiting[container.Name] = new WaitingReason("PostStartHookError", hookError);
            await StopContainerAsync(target.Context, container: null, created.Value, GracePeriod(pod), ct).ConfigureAwait(false);
            notes.SyncWithin(TimeSpan.Zero);
            return;
        }
        _parts.Probes.Watch(new ProbeTarget(target.Context, container, created.Value, Now));
    }

    /// <summary>
    /// The image's user as the kubelet takes it from ImageStatus: the uid when numeric, else the
    /// name; an image that names no user runs as root, so uid 0 (containerd refuses a runAsGroup
    /// that comes without any user).
    /// </summary>
    private static (long? Uid, string? User) ImageUser(Image image) =>
        image.Uid is { } uid ? (uid.Value, null)
        : !string.IsNullOrEmpty(image.Username) ? (null, image.Username)
        : (0, null);

    /// <summary>preStop (if the pod has one and a runner is wired), then the stop signal with what is left of the grace period (at least 2 s), then SIGKILL.</summary>
    private async Task StopContainerAsync(PodContext context, V1Container? container, string containerId, TimeSpan grace, CancellationToken ct)
    {
        if (container?.Lifecycle?.PreStop is not null && _parts.PreStop is { } preStop)
        {
            var started = Now;
            await preStop(context, container, containerId, grace, ct).ConfigureAwait(false);
            grace -= Now - started;
        }
        if (grace < MinimumGracePeriod)
        {
            grace = MinimumGracePeriod;
        }
        var stopped = await _cri.StopContainerAsync(containerId, grace, ct).ConfigureAwait(false);
        if (!stopped.IsSuccess && stopped.Error.Kind != Cri.CriErrorKind.NotFound)
        {
            PodWorkerLog.RuntimeFailed(_logger, context.Pod.Metadata.Name, stopped.Error.ToString());
        }
    }

    /// <summary>The pod's grace period: deletionGracePeriodSeconds when deleting, else terminationGracePeriodSeconds.</summary>
    private static TimeSpan GracePeriod(V1Pod pod) =>
        TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30);

    /// <summary>
    /// Keeps the newest two instances of each container (the current one and the previous, for
    /// <c>kubectl logs --previous</c>) and removes older exited ones; removes old sandboxes that no
    /// container uses any more.
    /// </summary>
    private async Task RemoveOldInstancesAsync(PodRuntimeView view, CancellationToken ct)
    {
        foreach (var name in view.All.Select(i => i.Name).Distinct(StringComparer.Ordinal).ToList())
        {
            foreach (var old in view.Of(name).Skip(2).Where(i => i.IsExited))
            {
                await _cri.RemoveContainerAsync(old.Id, ct).ConfigureAwait(false);
            }
        }
        foreach (var sandbox in view.Sandboxes.Skip(1).Where(s => s.State != PodSandboxState.SandboxReady))
        {
            var containers = await _cri.ListContainersAsync(new ContainerFilter { PodSandboxId = sandbox.Id }, ct).ConfigureAwait(false);
            if (containers.IsSuccess && containers.Value.Count == 0)
            {
                await _cri.RemovePodSandboxAsync(sandbox.Id, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// An event about one container of the pod: as upstream, the involvedObject's fieldPath names
    /// the container (<c>spec.containers{name}</c>, <c>spec.initContainers{name}</c>).
    /// </summary>
    private void ContainerEvent(V1Pod pod, string container, string type, string reason, string message) =>
        _parts.Events.Record(pod, type, reason, message, ContainerFieldPath(pod, container));

    /// <summary><c>spec.containers{name}</c> or <c>spec.initContainers{name}</c>.</summary>
    internal static string ContainerFieldPath(V1Pod pod, string container) =>
        (pod.Spec?.InitContainers ?? []).Any(c => c.Name == container)
            ? $"spec.initContainers{{{container}}}"
            : $"spec.containers{{{container}}}";
}
