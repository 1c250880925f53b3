using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// Per-pod, per-cycle scratch data that PreFilter/PreScore plugins compute once and Filter/Score
/// read for every node. Invariant: writes happen only in the sequential phases (PreFilter,
/// PreScore, PostFilter); the parallel Filter and Score phases only read, so no lock is needed.
/// </summary>
public sealed class CycleState
{
    private readonly Dictionary<string, object> _data = new(StringComparer.Ordinal);

    public CycleState(Snapshot snapshot) => Snapshot = snapshot;

    /// <summary>The cluster view this cycle decides on.</summary>
    public Snapshot Snapshot { get; }

    public void Write(string key, object value) => _data[key] = value;

    public T? Read<T>(string key) where T : class => _data.TryGetValue(key, out var v) ? v as T : null;

    /// <summary>PreFilter may narrow the nodes to examine (NodeName, NodeAffinity on metadata.name).</summary>
    public HashSet<string>? PreFilterNodeNames { get; set; }

    /// <summary>Set by a PostFilter run (preemption) that dry-runs filters with pods removed.</summary>
    public bool SkipFilterCache { get; set; }

    public CycleState Clone()
    {
        var copy = new CycleState(Snapshot) { PreFilterNodeNames = PreFilterNodeNames };
        foreach (var (k, v) in _data)
        {
            copy._data[k] = v is ICloneableState c ? c.CloneState() : v;
        }
        return copy;
    }
}

/// <summary>Cycle data that preemption mutates while simulating pod removals must be cloneable.</summary>
public interface ICloneableState
{
    object CloneState();
}
