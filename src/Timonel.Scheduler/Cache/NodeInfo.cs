using k8s.Models;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// One node and the pods placed on it (bound or assumed), with the aggregates the plugins read on
/// every cycle precomputed. Immutable: every change builds a new instance, so a snapshot holding the
/// old one stays consistent while the cache moves on.
/// </summary>
public sealed class NodeInfo
{
    private static readonly Dictionary<string, string> NoLabels = new(StringComparer.Ordinal);

    private NodeInfo(string name, V1Node? node, PodInfo[] pods, long generation, PodCountMemo? podCounts = null)
    {
        Name = name;
        PodCounts = podCounts ?? new PodCountMemo();
        Node = node;
        Pods = pods;
        Generation = generation;
        Labels = node?.Metadata?.Labels ?? NoLabels;
        Taints = node?.Spec?.Taints?.ToArray() ?? [];
        Unschedulable = node?.Spec?.Unschedulable ?? false;
        Allocatable = Resources.From(node?.Status?.Allocatable);
        ImageSizes = CollectImages(node);
        Requested = new Resources();
        NonZeroRequested = new Resources();
        var ports = new List<HostPort>();
        var withAffinity = new List<PodInfo>();
        var withAnti = new List<PodInfo>();
        foreach (var p in pods)
        {
            Requested.Add(p.Requests);
            NonZeroRequested.Add(p.NonZeroRequests);
            ports.AddRange(p.HostPorts);
            if (p.HasAffinityConstraints)
            {
                withAffinity.Add(p);
            }
            if (p.HasRequiredAntiAffinity)
            {
                withAnti.Add(p);
            }
        }
        UsedPorts = ports.ToArray();
        PodsWithAffinity = withAffinity.ToArray();
        PodsWithRequiredAntiAffinity = withAnti.ToArray();
    }

    public string Name { get; }

    /// <summary>Null while pods reference a node the cache has not seen (yet, or any more).</summary>
    public V1Node? Node { get; }

    public PodInfo[] Pods { get; }
    public PodInfo[] PodsWithAffinity { get; }
    public PodInfo[] PodsWithRequiredAntiAffinity { get; }
    public IDictionary<string, string> Labels { get; }
    public V1Taint[] Taints { get; }
    public bool Unschedulable { get; }
    public Resources Allocatable { get; }
    /// <summary>Sum of the pods' effective requests.</summary>
    public Resources Requested { get; }
    /// <summary>Sum of the pods' requests with defaults for missing cpu/memory (scoring only).</summary>
    public Resources NonZeroRequested { get; }
    public HostPort[] UsedPorts { get; }
    /// <summary>Normalized image name to size in bytes, from node.status.images.</summary>
    public IReadOnlyDictionary<string, long> ImageSizes { get; }
    /// <summary>Matching-pod counts of this instance's pods (topology spreading); shared only with
    /// a NodeInfo holding the very same pods.</summary>
    public PodCountMemo PodCounts { get; }
    /// <summary>Increases with every change; a snapshot copies only nodes whose generation moved.</summary>
    public long Generation { get; }

    public static NodeInfo ForNode(V1Node node, long generation) => new(node.Metadata.Name, node, [], generation);

    public static NodeInfo Empty(string name, long generation) => new(name, null, [], generation);

    /// <summary>Same pods, so the pod-count memo carries over (node status updates are frequent).</summary>
    public NodeInfo WithNode(V1Node? node, long generation) => new(Name, node, Pods, generation, PodCounts);

    public NodeInfo WithPod(PodInfo pod, long generation)
    {
        var pods = new PodInfo[Pods.Length + 1];
        Pods.CopyTo(pods, 0);
        pods[^1] = pod;
        return new(Name, Node, pods, generation);
    }

    /// <summary>The node without the pod with <paramref name="key"/>; the same instance when absent.</summary>
    public NodeInfo WithoutPod(string key, long generation)
    {
        var index = Array.FindIndex(Pods, p => p.Key == key);
        if (index < 0)
        {
            return this;
        }
        var pods = new PodInfo[Pods.Length - 1];
        Array.Copy(Pods, 0, pods, 0, index);
        Array.Copy(Pods, index + 1, pods, index, Pods.Length - index - 1);
        return new(Name, Node, pods, generation);
    }

    public bool HasPod(string key) => Array.Exists(Pods, p => p.Key == key);

    private static Dictionary<string, long> CollectImages(V1Node? node)
    {
        var images = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var image in node?.Status?.Images ?? [])
        {
            foreach (var name in image.Names ?? [])
            {
                images[ImageNames.Normalize(name)] = image.SizeBytes ?? 0;
            }
        }
        return images;
    }
}
