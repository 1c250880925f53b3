using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Plugins.DefaultPreemption;

/// <summary>A node where evicting <see cref="Victims"/> lets the pod fit.</summary>
internal sealed record Candidate(NodeInfo Node, List<PodInfo> Victims, int BudgetViolations)
{
    public int HighestVictimPriority => Victims.Count == 0 ? int.MinValue : Victims.Max(v => v.Priority);

    /// <summary>Priorities shifted to non-negative so a sum never prefers more negative-priority victims.</summary>
    public long PrioritySum => Victims.Sum(v => (long)v.Priority + int.MaxValue + 1L);

    /// <summary>Earliest start among the highest-priority victims (later is better: less work lost).</summary>
    public DateTime EarliestStartOfHighest
    {
        get
        {
            var top = HighestVictimPriority;
            return Victims.Where(v => v.Priority == top).Select(v => v.StartTime).DefaultIfEmpty(DateTime.MaxValue).Min();
        }
    }
}

/// <summary>Upstream's ordering of candidates, best first.</summary>
internal static class CandidateOrder
{
    /// <summary>
    /// Fewest PodDisruptionBudget violations, then the lowest
    /// highest-victim priority, the lowest priority sum, the fewest victims, the latest start of
    /// the highest-priority victims; the first node in snapshot order wins remaining ties.
    /// </summary>
    public static Candidate Best(List<Candidate> candidates)
    {
        var best = candidates[0];
        for (var i = 1; i < candidates.Count; i++)
        {
            if (Better(candidates[i], best))
            {
                best = candidates[i];
            }
        }
        return best;
    }

    private static bool Better(Candidate a, Candidate b)
    {
        if (a.BudgetViolations != b.BudgetViolations)
        {
            return a.BudgetViolations < b.BudgetViolations;
        }
        if (a.HighestVictimPriority != b.HighestVictimPriority)
        {
            return a.HighestVictimPriority < b.HighestVictimPriority;
        }
        if (a.PrioritySum != b.PrioritySum)
        {
            return a.PrioritySum < b.PrioritySum;
        }
        if (a.Victims.Count != b.Victims.Count)
        {
            return a.Victims.Count < b.Victims.Count;
        }
        return a.EarliestStartOfHighest > b.EarliestStartOfHighest;
    }
}
