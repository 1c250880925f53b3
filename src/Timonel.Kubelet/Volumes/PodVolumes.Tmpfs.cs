using System.Globalization;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

/// <summary>Memory-backed volumes: a tmpfs per volume directory, mounted once, unmounted by TearDown.</summary>
public sealed partial class PodVolumes
{
    private string? MountTmpfs(string dir, string? extra, long? size)
    {
        var opts = string.Join(',', new[] { extra, size is { } s ? "size=" + s.ToString(CultureInfo.InvariantCulture) : null }.Where(o => o is not null));
        var errno = VolumeNative.MountTmpfs(dir, opts.Length == 0 ? null : opts);
        return errno == 0 ? null : $"mount of tmpfs at {dir} failed: errno {errno}";
    }

    /// <summary>
    /// A memory-backed volume's size: its sizeLimit when set, capped by the pod's memory limit when
    /// every container has one, else by the node's allocatable memory (the kubelet's rule since
    /// SizeMemoryBackedVolumes); null leaves the kernel default.
    /// </summary>
    private static long? TmpfsSize(PodContext pod, ResourceQuantity? sizeLimit)
    {
        long? cap = null;
        var containers = pod.Pod.Spec?.Containers ?? [];
        if (containers.Count > 0 && containers.All(c => c.Resources?.Limits?.ContainsKey("memory") == true))
        {
            cap = containers.Sum(c => (long)Math.Ceiling(c.Resources.Limits["memory"].ToDecimal()));
        }
        else if (pod.NodeAllocatable.TryGetValue("memory", out var allocatable))
        {
            cap = (long)Math.Ceiling(allocatable.ToDecimal());
        }
        if (sizeLimit is not null && sizeLimit.ToDecimal() > 0)
        {
            var limit = (long)Math.Ceiling(sizeLimit.ToDecimal());
            return cap is null ? limit : Math.Min(limit, cap.Value);
        }
        return cap;
    }
}
