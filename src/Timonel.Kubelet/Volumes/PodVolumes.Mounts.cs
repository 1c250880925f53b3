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
                hostPath = Path.Combine(volume.HostPath, subPath);
                if (!Path.Exists(hostPath))
                {
                    var mode = File.GetUnixFileMode(volume.HostPath);
                    Directory.CreateDirectory(hostPath, mode);
                }
            }
            result.Add(new ContainerMount(mount.MountPath, hostPath, mount.ReadOnlyProperty == true || volume.ForcedReadOnly));
        }
        return (result, null);
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
