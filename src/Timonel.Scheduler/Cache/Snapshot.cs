namespace Timonel.Scheduler.Cache;

/// <summary>
/// The cluster as one scheduling cycle sees it. Immutable and shared: the cache builds a new
/// snapshot after changes and swaps it in atomically; a cycle keeps the one it started with.
/// </summary>
public sealed class Snapshot
{
    private readonly Dictionary<string, NodeInfo> _byName;
    private NodeInfo[]? _withAffinity;
    private NodeInfo[]? _withRequiredAnti;

    internal Snapshot(NodeInfo[] nodes, Dictionary<string, NodeInfo> byName, IReadOnlyDictionary<string, int> imageNodeCounts, long generation)
    {
        Nodes = nodes;
        _byName = byName;
        ImageNodeCounts = imageNodeCounts;
        Generation = generation;
    }

    public static Snapshot Empty { get; } = new([], new(StringComparer.Ordinal), new Dictionary<string, int>(), 0);

    /// <summary>Nodes known to the API (pods on unknown nodes are not schedulable targets), in a stable order.</summary>
    public NodeInfo[] Nodes { get; }

    /// <summary>Normalized image name to the number of nodes that have it.</summary>
    public IReadOnlyDictionary<string, int> ImageNodeCounts { get; }

    public long Generation { get; }

    public NodeInfo? Get(string name) => _byName.TryGetValue(name, out var n) ? n : null;

    /// <summary>Nodes with at least one pod that has (anti-)affinity terms; computed on first use.</summary>
    public NodeInfo[] NodesWithAffinityPods => _withAffinity ??= Array.FindAll(Nodes, n => n.PodsWithAffinity.Length > 0);

    /// <summary>Nodes with at least one pod with required anti-affinity; computed on first use.</summary>
    public NodeInfo[] NodesWithRequiredAntiAffinityPods =>
        _withRequiredAnti ??= Array.FindAll(Nodes, n => n.PodsWithRequiredAntiAffinity.Length > 0);

    /// <summary>
    /// A snapshot built directly from nodes (tests, benchmarks, preemption what-ifs); the cache
    /// builds its own incrementally.
    /// </summary>
    public static Snapshot From(IEnumerable<NodeInfo> nodes)
    {
        var list = nodes.Where(n => n.Node is not null).ToArray();
        var byName = list.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in list)
        {
            foreach (var image in n.ImageSizes.Keys)
            {
                counts[image] = counts.GetValueOrDefault(image) + 1;
            }
        }
        return new Snapshot(list, byName, counts, list.Length == 0 ? 0 : list.Max(n => n.Generation));
    }
}
