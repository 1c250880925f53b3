using k8s.Models;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

public sealed partial class PodVolumes
{
    /// <summary>
    /// A container's volumeMounts as bind mounts: the volume directory (or <c>subPath</c> inside it,
    /// created like the kubelet does when missing, with the volume directory's mode). configMap,
    /// secret, downwardAPI and projected volumes are always read-only, whatever the mount says.
    /// </summary>
    private async Task<(IReadOnlyList<ContainerMount> Mounts, string? Error)> MountsForAsync(PodContext pod, V1Container container,
        Dictionary<string, PreparedVolume> volumes, CancellationToken ct)
    {
        var result = new List<ContainerMount>();
        IReadOnlyDictionary<string, string>? envForExpr = null;
        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!volumes.TryGetValue(mount.Name, out var volume))
            {
                return ([], $"cannot find volume \"{mount.Name}\" to mount into container \"{container.Name}\"");
            }
            var subPath = mount.SubPath ?? "";
            if (!string.IsNullOrEmpty(mount.SubPathExpr))
            {
                envForExpr ??= await EnvOfAsync(pod, container, ct).ConfigureAwait(false);
                if (envForExpr is null)
                {
                    return ([], "volume subpath expansion needs the container's environment, which is not available");
                }
                var missing = new SortedSet<string>(StringComparer.Ordinal);
                subPath = EnvExpansion.Expand(mount.SubPathExpr, name =>
                {
                    if (!envForExpr.TryGetValue(name, out var value) || value.Length == 0)
                    {
                        missing.Add(name);
                        return "";
                    }
                    return value;
                });
                if (missing.Count > 0)
                {
                    return ([], $"missing value for {string.Join(", ", missing)}");
                }
            }
            var hostPath = volume.HostPath;
            if (subPath.Length > 0)
            {
                if (subPath.StartsWith('/'))
                {
                    return ([], $"error SubPath `{subPath}` must not be an absolute path");
                }
                if (subPath.Split('/').Contains(".."))
                {
                    return ([], $"unable to provision SubPath `{subPath}`: must not contain '..'");
                }
                var (resolved, error) = SubPathWithin(volume.HostPath, subPath);
                if (error is not null)
                {
                    return ([], error);
                }
                hostPath = resolved!;
            }
            result.Add(new ContainerMount(mount.MountPath, hostPath, mount.ReadOnlyProperty == true || volume.ForcedReadOnly));
        }
        return (result, null);
    }

    /// <summary>
    /// The host path of a subPath, every symlink resolved and checked to stay inside the volume: a
    /// container may plant a symlink in a writable volume, and the runtime would follow it on the
    /// host (CVE-2017-1002101). Missing directories are created, one checked level at a time, with
    /// the volume directory's mode. Left open: a container swapping a checked component before the
    /// runtime mounts it (upstream closes that race by mounting through an opened descriptor).
    /// </summary>
    private static (string? Path, string? Error) SubPathWithin(string volumePath, string subPath)
    {
        var root = VolumeNative.RealPath(volumePath);
        if (root is null)
        {
            return (null, $"volume path {volumePath} does not exist");
        }
        var mode = File.GetUnixFileMode(root);
        var current = root;
        foreach (var part in subPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."))
        {
            var next = Path.Combine(current, part);
            if (!Path.Exists(next) && new FileInfo(next).LinkTarget is null)
            {
                Directory.CreateDirectory(next, mode);
            }
            var real = VolumeNative.RealPath(next);
            if (real is null || !(real == root || real.StartsWith(root + "/", StringComparison.Ordinal)))
            {
                return (null, $"subpath \"{subPath}\" not within volume path \"{volumePath}\"");
            }
            current = real;
        }
        return (current, null);
    }

    private async Task<IReadOnlyDictionary<string, string>?> EnvOfAsync(PodContext pod, V1Container container, CancellationToken ct)
    {
        if (env is null)
        {
            return null;
        }
        var built = await env.BuildAsync(pod, container, ct).ConfigureAwait(false);
        return built.Error is null ? built.Variables.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal) : null;
    }
}
