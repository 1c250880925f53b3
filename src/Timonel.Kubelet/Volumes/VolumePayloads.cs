using System.Text;
using k8s.Models;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// The files of configMap, secret, downwardAPI and projected volumes, as the kubelet's plugins
/// compute them. Modes default to 0644 (420). Errors are the kubelet's messages (they end up after
/// <c>MountVolume.SetUp failed for volume "NAME" : </c>).
/// </summary>
internal static class VolumePayloads
{
    public const int DefaultMode = 420; // 0644

    /// <summary>All keys of Data and BinaryData, or only <paramref name="items"/> (key -> path, mode).</summary>
    public static string? FromKeys(Dictionary<string, FileProjection> payload, IDictionary<string, byte[]> data,
        IList<V1KeyToPath>? items, int defaultMode, bool optional, string missingKeyMessage)
    {
        if (items is null || items.Count == 0)
        {
            foreach (var (key, bytes) in data)
            {
                payload[key] = new FileProjection(bytes, defaultMode);
            }
            return null;
        }
        foreach (var item in items)
        {
            if (!data.TryGetValue(item.Key, out var bytes))
            {
                if (optional)
                {
                    continue;
                }
                return missingKeyMessage + item.Key;
            }
            payload[item.Path] = new FileProjection(bytes, item.Mode ?? defaultMode);
        }
        return null;
    }

    public static Dictionary<string, byte[]> DataOf(V1ConfigMap cm)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (k, v) in cm.Data ?? new Dictionary<string, string>())
        {
            data[k] = Encoding.UTF8.GetBytes(v);
        }
        foreach (var (k, v) in cm.BinaryData ?? new Dictionary<string, byte[]>())
        {
            data[k] = v;
        }
        return data;
    }

    public static Dictionary<string, byte[]> DataOf(V1Secret secret) =>
        new(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);

    /// <summary>downwardAPI items: metadata fieldRefs and resourceFieldRefs (limits default to node allocatable).</summary>
    public static string? FromDownward(Dictionary<string, FileProjection> payload, PodContext ctx,
        IList<V1DownwardAPIVolumeFile>? items, int defaultMode)
    {
        var errors = new List<string>();
        foreach (var item in items ?? [])
        {
            var mode = item.Mode ?? defaultMode;
            string value = "";
            if (item.FieldRef is { } fieldRef)
            {
                var (v, error) = DownwardFields.ForMetadata(ctx.Pod, fieldRef.FieldPath);
                if (error is not null)
                {
                    errors.Add(error);
                    continue;
                }
                value = v;
            }
            else if (item.ResourceFieldRef is { } resourceRef)
            {
                var target = ResourceFields.Target(ctx.Pod, null, resourceRef.ContainerName);
                if (target is null)
                {
                    errors.Add($"container {resourceRef.ContainerName} not found");
                    continue;
                }
                var (v, error) = ResourceFields.Value(resourceRef, target, ctx.NodeAllocatable);
                if (error is not null)
                {
                    errors.Add(error);
                    continue;
                }
                value = v;
            }
            payload[item.Path] = new FileProjection(Encoding.UTF8.GetBytes(value), mode);
        }
        return errors.Count == 0 ? null : string.Join(", ", errors);
    }
}
