namespace Timonel.Scheduler.Cache;

/// <summary>
/// The cluster as one scheduling cycle sees it. Immutable and shared: the cache builds a new
/// snapshot after changes and swaps it in atomically; a cycle keeps the one it started with.
/// </summary>
public sealed class Snapshot
{
    private readonly IReadOnlyDictionary<string, int> _index;
    private readonly bool _anyAffinityPods;
    private readonly bool _anyRequiredAntiAffinityPods;
    private NodeInfo[]? _withAffinity;
    private NodeInfo[]? _withRequiredAnti;

    /// <param name="index">Node name to position in <paramref name="nodes"/>; shared between
    /// snapshots while the node set is unchanged, so it must never be mutated.</param>
    internal Snapshot(NodeInfo[] nodes, IReadOnlyDictionary<string, int> index, IReadOnlyDictionary<string, int> imageNodeCounts,
        long generation, bool anyAffinityPods, bool anyRequiredAntiAffinityPods)
    {
        Nodes = nodes;
        _index = index;
        ImageNodeCounts = imageNodeCounts;
        Generation = generation;
        _anyAffinityPods = anyAffinityPods;
        _anyRequiredAntiAffinityPods = anyRequiredAntiAffinityPods;
    }

    public static Snapshot Empty { get; } = new([], new Dictionary<string, int>(), new Dictionary<string, int>(), 0, false, false);

    /// <summary>Nodes known to the API (pods on unknown nodes are not schedulable targets), in a stable order.</summary>
    public NodeInfo[] Nodes { get; }

    /// <summary>Normalized image name to the number of nodes that have it.</summary>
    public IReadOnlyDictionary<string, int> ImageNodeCounts { get; }

    public long Generation { get; }

    public NodeInfo? Get(string name) => _index.TryGetValue(name, out var i) ? Nodes[i] : null;

    /// <summary>Nodes with at least one pod that has (anti-)affinity terms; computed on first use.</summary>
    public NodeInfo[] NodesWithAffinityPods => _withAffinity ??= _anyAffinityPods ? Array.FindAll(Nodes, n => n.PodsWithAffinity.Length > 0) : [];

    /// <summary>Nodes with at least one pod with required anti-affinity; computed on first use.</summary>
    public NodeInfo[] NodesWithRequiredAntiAffinityPods =>
        _withRequiredAnti ??= _anyRequiredAntiAffinityPods ? Array.FindAll(Nodes, n => n.PodsWithRequiredAntiAffinity.Length > 0) : [];

    /// <summary>
    /// A snapshot built directly from nodes (tests, benchmarks, preemption what-ifs); the cache
    /// builds its own incrementally.
    /// </summary>
    public static Snapshot From(IEnumerable<NodeInfo> nodes)
    {
        var list = nodes.Where(n => n.Node is not null).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Length; i++)
        {
            index[list[i].Name] = i;
        }
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in list)
        {
            foreach (var image in n.ImageSizes.Keys)
            {
                counts[image] = counts.GetValueOrDefault(image) + 1;
            }
        }
        return new Snapshot(list, index, counts, list.Length == 0 ? 0 : list.Max(n => n.Generation),
            list.Any(n => n.PodsWithAffinity.Length > 0), list.Any(n => n.PodsWithRequiredAntiAffinity.Length > 0));
    }
}
