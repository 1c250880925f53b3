using k8s.Models;

namespace Timonel.Controllers.GarbageCollector;

/// <summary>
/// One object as the garbage collector sees it. Metadata is the informer's shared instance: read only.
/// </summary>
public sealed record GraphNode(ObjectRef Ref, V1ObjectMeta Metadata)
{
    public IReadOnlyList<V1OwnerReference> Owners => (IReadOnlyList<V1OwnerReference>?)Metadata.OwnerReferences ?? [];
    public bool Deleting => Metadata.DeletionTimestamp is not null;
    public bool HasFinalizer(string name) => Metadata.Finalizers?.Contains(name) == true;
    /// <summary>Being deleted in the foreground: waits until its blocking dependents are gone.</summary>
    public bool DeletingDependents => Deleting && HasFinalizer(Finalizers.ForegroundDeletion);
}

public static class Finalizers
{
    public const string ForegroundDeletion = "foregroundDeletion";
    public const string Orphan = "orphan";
}

/// <summary>
/// The owner → dependents graph of every object in the cluster, keyed by uid. Dependents are
/// recorded under an owner uid even before (or after) the owner itself is seen, so a late or gone
/// owner still finds them. All members are thread-safe.
/// </summary>
public sealed class OwnerGraph
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, GraphNode> _nodes = [];
    private readonly Dictionary<string, HashSet<string>> _dependents = [];

    public int Count { get { lock (_lock) return _nodes.Count; } }

    public GraphNode? Get(string uid)
    {
        lock (_lock)
        {
            return _nodes.GetValueOrDefault(uid);
        }
    }

    /// <summary>Adds or replaces a node; returns the previous state.</summary>
    public GraphNode? Upsert(GraphNode node)
    {
        lock (_lock)
        {
            var old = _nodes.GetValueOrDefault(node.Ref.Uid);
            if (old is not null)
            {
                Unlink(old);
            }
            _nodes[node.Ref.Uid] = node;
            foreach (var owner in node.Owners)
            {
                if (!_dependents.TryGetValue(owner.Uid, out var set))
                {
                    _dependents[owner.Uid] = set = [];
                }
                set.Add(node.Ref.Uid);
            }
            return old;
        }
    }

    /// <summary>Removes a node; returns it (null if unknown).</summary>
    public GraphNode? Remove(string uid)
    {
        lock (_lock)
        {
            if (!_nodes.Remove(uid, out var old))
            {
                return null;
            }
            Unlink(old);
            return old;
        }
    }

    /// <summary>The known objects that name this uid among their owners.</summary>
    public IReadOnlyList<GraphNode> DependentsOf(string ownerUid)
    {
        lock (_lock)
        {
            return _dependents.TryGetValue(ownerUid, out var set)
                ? set.Select(d => _nodes.GetValueOrDefault(d)).OfType<GraphNode>().ToList()
                : [];
        }
    }

    private void Unlink(GraphNode node)
    {
        foreach (var owner in node.Owners)
        {
            if (_dependents.TryGetValue(owner.Uid, out var set) && set.Remove(node.Ref.Uid) && set.Count == 0)
            {
                _dependents.Remove(owner.Uid);
            }
        }
    }
}
