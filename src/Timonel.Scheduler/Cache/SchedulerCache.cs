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
            if (_orderChanged)
            {
                _order = _nodes.Values.Where(n => n.Node is not null).Select(n => n.Name).Order(StringComparer.Ordinal).ToList();
                _orderChanged = false;
            }
            var previous = _snapshot.Nodes;
            var nodes = new NodeInfo[_order.Count];
            var byName = new Dictionary<string, NodeInfo>(_order.Count, StringComparer.Ordinal);
            for (var i = 0; i < nodes.Length; i++)
            {
                var current = _nodes[_order[i]];
                // Reuse the previous reference when unchanged: keeps the copy to one pointer per node.
                nodes[i] = i < previous.Length && previous[i].Name == current.Name && previous[i].Generation == current.Generation ? previous[i] : current;
                byName[nodes[i].Name] = nodes[i];
            }
            var images = _imagesChanged ? new Dictionary<string, int>(_imageCounts, StringComparer.Ordinal) : _snapshot.ImageNodeCounts;
            _imagesChanged = false;
            _snapshot = new Cache.Snapshot(nodes, byName, images, _generation);
            return _snapshot;
        }
    }

    private void PlaceLocked(PodInfo pod)
    {
        var node = _nodes.TryGetValue(pod.NodeName, out var n) ? n : NodeInfo.Empty(pod.NodeName, _generation);
        _nodes[pod.NodeName] = node.WithPod(pod, ++_generation);
        _pods[pod.Key] = pod;
    }

    private void RemoveLocked(string key)
    {
        if (!_pods.Remove(key, out var pod) || !_nodes.TryGetValue(pod.NodeName, out var node))
        {
            return;
        }
        var updated = node.WithoutPod(key, ++_generation);
        if (updated.Node is null && updated.Pods.Length == 0)
        {
            _nodes.Remove(node.Name);
        }
        else
        {
            _nodes[node.Name] = updated;
        }
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
