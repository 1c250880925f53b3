namespace Timonel.Scheduler.Cache;

/// <summary>
/// Counts of matching pods remembered on one <see cref="NodeInfo"/>, keyed by the incoming pod's
/// namespace and a canonical selector key (<see cref="SelectorMatcher.CanonicalKey"/>). Sound
/// because a NodeInfo's pod list never changes: adding, assuming, forgetting or removing a pod
/// builds a new NodeInfo with an empty memo, and only a node-object update (same pods) carries the
/// memo over. Pods of one workload scheduled one after another thus scan each unchanged node once.
/// Thread-safe for parallel scoring: readers see an immutable entry array, writers swap in a copy
/// (a lost race only loses a memo entry, never corrupts one).
/// </summary>
public sealed class PodCountMemo
{
    /// <summary>Workloads remembered per node; the oldest is dropped beyond this.</summary>
    internal const int Capacity = 8;

    private Entry[] _entries = [];

    private sealed record Entry(string Namespace, string SelectorKey, int Count);

    public bool TryGet(string ns, string selectorKey, out int count)
    {
        var entries = Volatile.Read(ref _entries);
        foreach (var e in entries)
        {
            if (string.Equals(e.SelectorKey, selectorKey, StringComparison.Ordinal) && string.Equals(e.Namespace, ns, StringComparison.Ordinal))
            {
                count = e.Count;
                return true;
            }
        }
        count = 0;
        return false;
    }

    public void Add(string ns, string selectorKey, int count)
    {
        var entry = new Entry(ns, selectorKey, count);
        while (true)
        {
            var current = Volatile.Read(ref _entries);
            var keep = Math.Min(current.Length, Capacity - 1);
            var next = new Entry[keep + 1];
            // Newest first, so the oldest falls off the end.
            Array.Copy(current, 0, next, 1, keep);
            next[0] = entry;
            if (Interlocked.CompareExchange(ref _entries, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Number of remembered entries (tests).</summary>
    internal int Count => Volatile.Read(ref _entries).Length;
}
