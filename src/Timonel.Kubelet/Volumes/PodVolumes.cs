using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

/// <summary>Where pods' volumes live: <c>PodsDir/&lt;uid&gt;/volumes/&lt;plugin&gt;/&lt;name&gt;</c> (the agent passes DIR/agent/pods).</summary>
/// <param name="PodsDir">The root of every pod's directory.</param>
/// <param name="SecretsOnTmpfs">Secret and projected volumes on a tmpfs, as the kubelet does, so secrets never reach the disk.</param>
public sealed record PodVolumesOptions(string PodsDir, bool SecretsOnTmpfs = true);

/// <summary>
/// The pod's volumes on this node, as the kubelet's volume plugins lay them out. Every sync calls
/// <see cref="SetUpAsync"/>: directories and tmpfs mounts are made once; configMap, secret,
/// downwardAPI and projected files are rewritten atomically (<see cref="AtomicWriter"/>) when their
/// source changed, so containers, which bind-mount the volume directory, see updates without a
/// remount. Concurrency: called by the pod's own worker only, so one pod's volumes are never set up
/// twice at once; different pods touch disjoint directories.
/// </summary>
public sealed partial class PodVolumes(PodVolumesOptions options, IObjectSource objects, TimeProvider time,
    IServiceAccountTokenSource? tokens = null, IContainerEnvironmentBuilder? env = null, ILogger<PodVolumes>? logger = null) : IPodVolumes
{
    private readonly ILogger _log = logger ?? NullLogger<PodVolumes>.Instance;

    public string PodDir(string podUid) => Path.Combine(options.PodsDir, podUid);

    public string VolumeDir(string podUid, string plugin, string name) =>
        Path.Combine(options.PodsDir, podUid, "volumes", plugin, name);

    public async Task<PodVolumeSetup> SetUpAsync(PodContext pod, CancellationToken ct)
    {
        var uid = pod.Pod.Metadata?.Uid ?? throw new ArgumentException("the pod has no uid", nameof(pod));
        var prepared = new Dictionary<string, PreparedVolume>(StringComparer.Ordinal);
        foreach (var volume in pod.Pod.Spec?.Volumes ?? [])
        {
            var (result, error) = await SetUpVolumeAsync(pod, uid, volume, ct).ConfigureAwait(false);
            if (error is not null)
            {
                LogSetUpFailed(_log, volume.Name, uid, error);
                return new PodVolumeSetup(new Dictionary<string, IReadOnlyList<ContainerMount>>(),
                    $"MountVolume.SetUp failed for volume \"{volume.Name}\" : {error}");
            }
            prepared[volume.Name] = result!;
        }

        var mounts = new Dictionary<string, IReadOnlyList<ContainerMount>>(StringComparer.Ordinal);
        foreach (var container in (pod.Pod.Spec?.InitContainers ?? []).Concat(pod.Pod.Spec?.Containers ?? []))
        {
            var (list, error) = await MountsForAsync(pod, container, prepared, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return new PodVolumeSetup(new Dictionary<string, IReadOnlyList<ContainerMount>>(), error);
            }
            mounts[container.Name] = list;
        }
        return new PodVolumeSetup(mounts, null);
    }

    public Task TearDownAsync(string podUid, CancellationToken ct)
    {
        ForgetTokens(podUid);
        var podDir = PodDir(podUid);
        if (!Directory.Exists(podDir))
        {
            return Task.CompletedTask;
        }
        foreach (var mount in VolumeNative.MountsUnder(podDir))
        {
            var errno = VolumeNative.Unmount(mount);
            if (errno != 0)
            {
                LogUnmountFailed(_log, mount, errno);
            }
        }
        // Recursive delete removes symlinks, never what they point to: hostPath sources are safe.
        Directory.Delete(podDir, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>A volume ready on disk: the host path containers bind-mount, and whether it is always read-only.</summary>
    private sealed record PreparedVolume(string HostPath, bool ForcedReadOnly);

    private async Task<(PreparedVolume?, string?)> SetUpVolumeAsync(PodContext pod, string uid, V1Volume volume, CancellationToken ct)
    {
        try
        {
            if (volume.EmptyDir is { } emptyDir)
            {
                return SetUpEmptyDir(pod, uid, volume.Name, emptyDir);
            }
            if (volume.HostPath is { } hostPath)
            {
                var error = HostPathCheck.Check(hostPath.Path, hostPath.Type);
                return error is null ? (new PreparedVolume(hostPath.Path, false), null) : (null, error);
            }
            if (volume.ConfigMap is { } cm)
            {
                return await SetUpConfigMapAsync(pod, uid, volume.Name, cm, ct).ConfigureAwait(false);
            }
            if (volume.Secret is { } secret)
            {
                return await SetUpSecretAsync(pod, uid, volume.Name, secret, ct).ConfigureAwait(false);
            }
            if (volume.DownwardAPI is { } downward)
            {
                var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
                var error = VolumePayloads.FromDownward(payload, pod, downward.Items, downward.DefaultMode ?? VolumePayloads.DefaultMode);
                return error is not null ? (null, error) : WriteFiles(VolumeDir(uid, "kubernetes.io~downward-api", volume.Name), payload, tmpfs: false, pod);
            }
            if (volume.Projected is { } projected)
            {
                return await SetUpProjectedAsync(pod, uid, volume.Name, projected, ct).ConfigureAwait(false);
            }
            return (null, "unsupported volume type: Timonel's agent supports emptyDir, hostPath, configMap, secret, downwardAPI and projected");
        }
        catch (IOException e)
        {
            return (null, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return (null, e.Message);
        }
    }

    private (PreparedVolume?, string?) SetUpEmptyDir(PodContext pod, string uid, string name, V1EmptyDirVolumeSource source)
    {
        var dir = VolumeDir(uid, "kubernetes.io~empty-dir", name);
        var medium = source.Medium ?? "";
        if (medium is not ("" or "Memory"))
        {
            return (null, $"emptyDir medium {medium} is not supported");
        }
        var created = !Directory.Exists(dir);
        if (created)
        {
            Directory.CreateDirectory(dir);
        }
        if (medium == "Memory" && !VolumeNative.IsMountPoint(dir))
        {
            created = true;
            var error = MountTmpfs(dir, "mode=0777", TmpfsSize(pod, source.SizeLimit));
            if (error is not null)
            {
                return (null, error);
            }
        }
        if (created)
        {
            // Every user of the pod may write an emptyDir, whatever the containers' uids.
            File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
            if (pod.Pod.Spec?.SecurityContext?.FsGroup is { } fsGroup && VolumeOwnership.Apply(dir, fsGroup, readOnly: false) is { } ownershipError)
            {
                return (null, ownershipError);
            }
        }
        return (new PreparedVolume(dir, false), null);
    }

    private async Task<(PreparedVolume?, string?)> SetUpConfigMapAsync(PodContext pod, string uid, string name,
        V1ConfigMapVolumeSource source, CancellationToken ct)
    {
        var ns = pod.Pod.Metadata.NamespaceProperty ?? "default";
        var cm = await objects.GetConfigMapAsync(ns, source.Name, ct).ConfigureAwait(false);
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        var optional = source.Optional == true;
        if (cm is null && !optional)
        {
            return (null, $"configmap \"{source.Name}\" not found");
        }
        if (cm is not null)
        {
            var error = VolumePayloads.FromKeys(payload, VolumePayloads.DataOf(cm), source.Items,
                source.DefaultMode ?? VolumePayloads.DefaultMode, optional, "configmap references non-existent config key: ");
            if (error is not null)
            {
                return (null, error);
            }
        }
        return WriteFiles(VolumeDir(uid, "kubernetes.io~configmap", name), payload, tmpfs: false, pod);
    }

    private async Task<(PreparedVolume?, string?)> SetUpSecretAsync(PodContext pod, string uid, string name,
        V1SecretVolumeSource source, CancellationToken ct)
    {
        var ns = pod.Pod.Metadata.NamespaceProperty ?? "default";
        var secret = await objects.GetSecretAsync(ns, source.SecretName, ct).ConfigureAwait(false);
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        var optional = source.Optional == true;
        if (secret is null && !optional)
        {
            return (null, $"secret \"{source.SecretName}\" not found");
        }
        if (secret is not null)
        {
            var error = VolumePayloads.FromKeys(payload, VolumePayloads.DataOf(secret), source.Items,
                source.DefaultMode ?? VolumePayloads.DefaultMode, optional, "references non-existent secret key: ");
            if (error is not null)
            {
                return (null, error);
            }
        }
        return WriteFiles(VolumeDir(uid, "kubernetes.io~secret", name), payload, options.SecretsOnTmpfs, pod);
    }

    private (PreparedVolume?, string?) WriteFiles(string dir, Dictionary<string, FileProjection> payload, bool tmpfs, PodContext pod)
    {
        var invalid = AtomicWriter.Validate(payload.Keys);
        if (invalid is not null)
        {
            return (null, invalid);
        }
        Directory.CreateDirectory(dir);
        if (tmpfs && !VolumeNative.IsMountPoint(dir))
        {
            var error = MountTmpfs(dir, null, TmpfsSize(pod, null));
            if (error is not null)
            {
                return (null, error);
            }
        }
        var fsGroup = pod.Pod.Spec?.SecurityContext?.FsGroup;
        if (fsGroup is not null)
        {
            // Group read is part of the payload's modes, so an unchanged payload still compares equal.
            payload = payload.ToDictionary(kv => kv.Key, kv => kv.Value with { Mode = VolumeOwnership.ReadOnlyFileMode(kv.Value.Mode) }, StringComparer.Ordinal);
        }
        var changed = AtomicWriter.Write(dir, payload, time);
        if (changed && fsGroup is { } gid && VolumeOwnership.Apply(dir, gid, readOnly: true) is { } ownershipError)
        {
            return (null, ownershipError);
        }
        return (new PreparedVolume(dir, true), null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Volume {Volume} of pod {Uid} not set up: {Error}")]
    private static partial void LogSetUpFailed(ILogger logger, string volume, string uid, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unmount of {Path} failed: errno {Errno}")]
    private static partial void LogUnmountFailed(ILogger logger, string path, int errno);
}
