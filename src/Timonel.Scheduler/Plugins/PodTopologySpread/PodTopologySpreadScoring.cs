using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>Scoring half of the plugin: soft (ScheduleAnyway) constraints.</summary>
public sealed partial class PodTopologySpreadPlugin : IPreScorePlugin, IScorePlugin
{
    private const string ScoreKey = "PreScorePodTopologySpread";

    /// <summary>Raw score of a node missing a topology key; normalized to 0.</summary>
    private const long Ignored = -1;

    private sealed class ScoreState
    {
        public required List<SpreadConstraint> Constraints { get; init; }
        /// <summary>Per constraint: domain to matching pods (null for hostname: counted per node).</summary>
        public required Dictionary<string, int>?[] Counts { get; init; }
        public required double[] Weights { get; init; }
    }

    public Status PreScore(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyList<NodeInfo> feasible)
    {
        var constraints = SpreadConstraint.From(pod, hard: false, _defaults);
        if (constraints.Count == 0)
        {
            return Status.Success;
        }
        var n = constraints.Count;
        var counts = new Dictionary<string, int>?[n];
        var weights = new double[n];
        var domains = new HashSet<string>[n];
        var anyDomainKey = false;
        for (var i = 0; i < n; i++)
        {
            domains[i] = new HashSet<string>(StringComparer.Ordinal);
            anyDomainKey |= constraints[i].TopologyKey != SpreadConstraint.Hostname;
        }
        // One pass per node list; a node's domain values (one label lookup per constraint) double
        // as the eligibility check, and node affinity is evaluated only for pods that have any.
        var values = new string[n];
        var checkAffinity = NodeAffinity.NodeAffinityPlugin.ConstrainsNodes(pod.Pod);
        foreach (var node in feasible)
        {
            if (DomainsOf(pod, node, constraints, checkAffinity, values))
            {
                for (var i = 0; i < n; i++)
                {
                    domains[i].Add(values[i]);
                }
            }
        }
        for (var i = 0; i < n; i++)
        {
            weights[i] = Math.Log(domains[i].Count + 2);
            if (constraints[i].TopologyKey != SpreadConstraint.Hostname)
            {
                counts[i] = new Dictionary<string, int>(StringComparer.Ordinal);
            }
        }
        if (anyDomainKey)
        {
            foreach (var node in snapshot.Nodes)
            {
                if (!DomainsOf(pod, node, constraints, checkAffinity, values))
                {
                    continue;
                }
                for (var i = 0; i < n; i++)
                {
                    if (counts[i] is { } c && domains[i].Contains(values[i]))
                    {
                        c[values[i]] = c.GetValueOrDefault(values[i]) + constraints[i].CountOn(pod, node);
                    }
                }
            }
        }
        state.Write(ScoreKey, new ScoreState { Constraints = constraints, Counts = counts, Weights = weights });
        return Status.Success;
    }

    /// <summary>
    /// <see cref="SpreadConstraint.Eligible"/>, also filling <paramref name="values"/> with the
    /// node's value of each constraint's topology key.
    /// </summary>
    private static bool DomainsOf(PodInfo pod, NodeInfo node, List<SpreadConstraint> constraints, bool checkAffinity, string[] values)
    {
        for (var i = 0; i < constraints.Count; i++)
        {
            if (!node.Labels.TryGetValue(constraints[i].TopologyKey, out var value))
            {
                return false;
            }
            values[i] = value;
        }
        return !checkAffinity || NodeAffinity.NodeAffinityPlugin.Fits(pod.Pod, node.Name, node.Labels);
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<ScoreState>(ScoreKey) is not { } s)
        {
            return 0;
        }
        double score = 0;
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (!node.Labels.TryGetValue(c.TopologyKey, out var domain))
            {
                return Ignored;
            }
            var matching = s.Counts[i] is { } counts ? counts.GetValueOrDefault(domain) : c.CountOn(pod, node);
            // maxSkew - 1 softens the preference for constraints that tolerate more skew.
            score += (matching + c.MaxSkew - 1) * s.Weights[i];
        }
        return (long)Math.Round(score);
    }

    /// <summary>Fewest matching pods gets 100: score = 100 * (max + min - s) / max.</summary>
    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        if (state.Read<ScoreState>(ScoreKey) is null)
        {
            return;
        }
        long min = long.MaxValue, max = long.MinValue;
        foreach (var s in scores)
        {
            if (s != Ignored)
            {
                min = Math.Min(min, s);
                max = Math.Max(max, s);
            }
        }
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] == Ignored)
            {
                scores[i] = 0;
            }
            else
            {
                scores[i] = max == 0 ? Scores.MaxNodeScore : Scores.MaxNodeScore * (max + min - scores[i]) / max;
            }
        }
    }
}
