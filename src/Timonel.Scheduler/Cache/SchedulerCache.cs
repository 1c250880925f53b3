using k8s.Models;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// The scheduler's view of nodes and placed pods, fed by node/pod notifications and by the
/// scheduler's own assumptions. States of a pod here: absent -> assumed (placed by this scheduler,
/// binding in flight) -> bound (the API confirmed spec.nodeName) -> absent (deleted). An assumed pod
/// counts on its node until the API confirms it, the binding fails (<see cref="ForgetPod"/>), or
/// its TTL after binding finished expires without confirmation.
/// All methods are thread-safe; <see cref="Snapshot"/> returns an immutable view, rebuilt only when
/// something changed and then copying only the references of changed nodes.
/// </summary>
public sealed class SchedulerCache
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _assumedTtl;
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodInfo> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset?> _assumed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _imageCounts = new(StringComparer.Ordinal);
    private long _generation;
    private Snapshot _snapshot = Cache.Snapshot.Empty;
    private List<string> _order = [];
    private Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private int _podsWithAffinity;
    private int _podsWithRequiredAnti;
    private bool _orderChanged;
    private bool _imagesChanged;

    public SchedulerCache(TimeProvider time, TimeSpan assumedPodTtl)
    {
        _time = time;
        _assumedTtl = assumedPodTtl;
    }

    public void AddOrUpdateNode(V1Node node)
    {
        lock (_lock)
        {
            var name = node.Metadata.Name;
            if (_nodes.TryGetValue(name, out var old))
            {
                CountImages(old, -1);
                _nodes[name] = old.WithNode(node, ++_generation);
                _dirty.Add(name);
                if (old.Node is null)
                {
                    _orderChanged = true;
                }
            }
            else
            {
                _nodes[name] = NodeInfo.ForNode(node, ++_generation);
                _orderChanged = true;
            }
            CountImages(_nodes[name], +1);
        }
    }

    public void RemoveNode(string name)
    {
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out var old))
            {
                return;
            }
            CountImages(old, -1);
            // Pods still on the node keep a node-less entry until their own deletion arrives.
            if (old.Pods.Length == 0)
            {
                _nodes.Remove(name);
            }
            else
            {
                _nodes[name] = old.WithNode(null, _generation + 1);
            }
            _generation++;
            _orderChanged = true;
        }
    }

    /// <summary>A pod the API reports bound (spec.nodeName set); confirms an assumed pod.</summary>
    public void AddOrUpdatePod(V1Pod pod)
    {
        var info = new PodInfo(pod);
        if (info.NodeName.Length == 0)
        {
            return;
        }
        lock (_lock)
        {
            RemoveLocked(info.Key);
            _assumed.Remove(info.Key);
            PlaceLocked(info);
        }
    }

    public void RemovePod(string key)
    {
        lock (_lock)
        {
            RemoveLocked(key);
            _assumed.Remove(key);
        }
    }

    /// <summary>Counts <paramref name="pod"/> on <paramref name="nodeName"/> before the binding is confirmed.</summary>
    public void AssumePod(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            RemoveLocked(pod.Key);
            PlaceLocked(pod.OnNode(nodeName));
            _assumed[pod.Key] = null;
        }
    }

    /// <summary>The bind call returned; from now the assumption expires after the TTL unless confirmed.</summary>
    public void FinishBinding(string key)
    {
        lock (_lock)
        {
            if (_assumed.ContainsKey(key))
            {
                _assumed[key] = _time.GetUtcNow() + _assumedTtl;
            }
        }
    }

    /// <summary>The binding failed: the assumed pod no longer counts.</summary>
    public void ForgetPod(string key)
    {
        lock (_lock)
        {
            if (_assumed.Remove(key))
            {
                RemoveLocked(key);
            }
        }
    }

    public bool IsAssumed(string key)
    {
        lock (_lock)
        {
            return _assumed.ContainsKey(key);
        }
    }

    /// <summary>Drops assumed pods whose binding finished longer than the TTL ago; returns their keys.</summary>
    public IReadOnlyList<string> CleanupExpiredAssumedPods()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var expired = _assumed.Where(a => a.Value is { } deadline && deadline <= now).Select(a => a.Key).ToList();
            foreach (var key in expired)
            {
                _assumed.Remove(key);
                RemoveLocked(key);
            }
            return expired;
        }
    }

    /// <summary>The current view; the same instance until something changes.</summary>
    public Snapshot Current()
    {
        lock (_lock)
        {
            if (_snapshot.Generation == _generation)
            {
                return _snapshot;
            }
            NodeInfo[] nodes;
            if (_orderChanged)
            {
                _order = _nodes.Values.Where(n => n.Node is not null).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
                // A new dictionary, never a mutated one: older snapshots keep theirs.
                _index = new Dictionary<string, int>(_order.Count, StringComparer.Ordinal);
                nodes = new NodeInfo[_order.Count];
                for (var i = 0; i < nodes.Length; i++)
                {
                    nodes[i] = _nodes[_order[i]];
                    _index[_order[i]] = i;
                }
                _orderChanged = false;
            }
            else
            {
                // Same node set: copy the references and replace only the nodes that changed.
                nodes = (NodeInfo[])_snapshot.Nodes.Clone();
                foreach (var name in _dirty)
                {
                    if (_index.TryGetValue(name, out var i) && _nodes.TryGetValue(name, out var current))
                    {
                        nodes[i] = current;
                    }
                }
            }
            _dirty.Clear();
            var images = _imagesChanged ? new Dictionary<string, int>(_imageCounts, StringComparer.Ordinal) : _snapshot.ImageNodeCounts;
            _imagesChanged = false;
            _snapshot = new Cache.Snapshot(nodes, _index, images, _generation, _podsWithAffinity > 0, _podsWithRequiredAnti > 0);
            return _snapshot;
        }
    }

    private void PlaceLocked(PodInfo pod)
    {
        var node = _nodes.TryGetValue(pod.NodeName, out var n) ? n : NodeInfo.Empty(pod.NodeName, _generation);
        _nodes[pod.NodeName] = node.WithPod(pod, ++_generation);
        _pods[pod.Key] = pod;
        _dirty.Add(pod.NodeName);
        CountAffinity(pod, +1);
    }

    private void RemoveLocked(string key)
    {
        if (!_pods.Remove(key, out var pod) || !_nodes.TryGetValue(pod.NodeName, out var node))
        {
            return;
        }
        var updated = node.WithoutPod(key, ++_generation);
        _dirty.Add(node.Name);
        CountAffinity(pod, -1);
        if (updated.Node is null && updated.Pods.Length == 0)
        {
            _nodes.Remove(node.Name);
        }
        else
        {
            _nodes[node.Name] = updated;
        }
    }

    private void CountAffinity(PodInfo pod, int delta)
    {
        _podsWithAffinity += pod.HasAffinityConstraints ? delta : 0;
        _podsWithRequiredAnti += pod.HasRequiredAntiAffinity ? delta : 0;
    }

    private void CountImages(NodeInfo node, int delta)
    {
        foreach (var image in node.ImageSizes.Keys)
        {
            var count = _imageCounts.GetValueOrDefault(image) + delta;
            if (count <= 0)
            {
                _imageCounts.Remove(image);
            }
            else
            {
                _imageCounts[image] = count;
            }
        }
        _imagesChanged |= node.ImageSizes.Count > 0;
    }
}
