using System.Collections.Immutable;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// Pods nominated to a node (status.nominatedNodeName, or just chosen by preemption) whose victims
/// are still leaving. Their room is reserved: a pod of lower or equal priority must fit on the
/// node as if the nominated pods of higher or equal priority already ran there.
/// Reads are lock-free on an immutable map swapped on each (rare) change.
/// </summary>
public sealed class Nominator
{
    private readonly object _lock = new();
    private ImmutableDictionary<string, ImmutableArray<PodInfo>> _byNode = ImmutableDictionary.Create<string, ImmutableArray<PodInfo>>(StringComparer.Ordinal);
    private ImmutableDictionary<string, string> _nodeOf = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    public bool IsEmpty => _nodeOf.IsEmpty;

    /// <summary>The pods nominated to <paramref name="node"/>; empty for most nodes.</summary>
    public ImmutableArray<PodInfo> On(string node) => _byNode.TryGetValue(node, out var pods) ? pods : [];

    public string? NodeOf(string podKey) => _nodeOf.TryGetValue(podKey, out var n) ? n : null;

    public void Nominate(PodInfo pod, string node)
    {
        lock (_lock)
        {
            RemoveLocked(pod.Key);
            _byNode = _byNode.SetItem(node, On(node).Add(pod));
            _nodeOf = _nodeOf.SetItem(pod.Key, node);
        }
    }

    public void Remove(string podKey)
    {
        lock (_lock)
        {
            RemoveLocked(podKey);
        }
    }

    private void RemoveLocked(string podKey)
    {
        if (!_nodeOf.TryGetValue(podKey, out var node))
        {
            return;
        }
        var remaining = On(node).RemoveAll(p => p.Key == podKey);
        _byNode = remaining.IsEmpty ? _byNode.Remove(node) : _byNode.SetItem(node, remaining);
        _nodeOf = _nodeOf.Remove(podKey);
    }
}
