using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>
/// Matching-pod counts per topology domain for each hard constraint, with the global minimum kept
/// current so Filter is O(constraints) per node. Cloneable because preemption simulates removals.
/// </summary>
internal sealed class SpreadFilterState : ICloneableState
{
    public required List<SpreadConstraint> Constraints { get; init; }

    /// <summary>Per constraint: domain value to matching pods there (0 for an empty eligible domain).</summary>
    public required Dictionary<string, int>[] Counts { get; init; }

    public int[] Minimums { get; private set; } = [];

    public void RecomputeMinimums()
    {
        var mins = new int[Constraints.Count];
        for (var i = 0; i < mins.Length; i++)
        {
            var counts = Counts[i];
            // Fewer domains than minDomains: the missing domains count as empty, so the minimum is 0.
            if (counts.Count < Constraints[i].MinDomains)
            {
                mins[i] = 0;
                continue;
            }
            var min = int.MaxValue;
            foreach (var v in counts.Values)
            {
                min = Math.Min(min, v);
            }
            mins[i] = counts.Count == 0 ? 0 : min;
        }
        Minimums = mins;
    }

    public object CloneState()
    {
        var copy = new SpreadFilterState
        {
            Constraints = Constraints,
            Counts = Array.ConvertAll(Counts, c => new Dictionary<string, int>(c, StringComparer.Ordinal)),
        };
        copy.Minimums = (int[])Minimums.Clone();
        return copy;
    }
}
