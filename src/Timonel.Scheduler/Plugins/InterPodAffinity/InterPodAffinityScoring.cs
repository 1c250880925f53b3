using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.InterPodAffinity;

/// <summary>
/// Scoring: every domain collects weights from pairs of (incoming, existing) pods: the incoming
/// pod's preferred affinity (+) and anti-affinity (-) terms matching existing pods, and existing
/// pods' required affinity (+1 each, the hard-affinity symmetric weight), preferred affinity (+)
/// and anti-affinity (-) terms matching the incoming pod. A node scores the sum over its domains,
/// scaled between the lowest and highest node.
/// </summary>
public sealed partial class InterPodAffinityPlugin : IPreScorePlugin, IScorePlugin
{
    private const string ScoreKey = "PreScoreInterPodAffinity";
    private const int HardPodAffinityWeight = 1;

    public Status PreScore(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyList<NodeInfo> feasible)
    {
        var hasOwnPreferences = pod.PreferredAffinityTerms.Length + pod.PreferredAntiAffinityTerms.Length > 0;
        var nodes = hasOwnPreferences ? snapshot.Nodes : snapshot.NodesWithAffinityPods;
        var scores = new Dictionary<TopologyPair, long>();
        foreach (var node in nodes)
        {
            var pods = hasOwnPreferences ? node.Pods : node.PodsWithAffinity;
            foreach (var existing in pods)
            {
                if (existing.Key == pod.Key)
                {
                    continue;
                }
                Accumulate(scores, node, pod.PreferredAffinityTerms, existing, +1);
                Accumulate(scores, node, pod.PreferredAntiAffinityTerms, existing, -1);
                foreach (var term in existing.RequiredAffinityTerms)
                {
                    if (term.Matches(pod))
                    {
                        AddTo(scores, node, term.TopologyKey, HardPodAffinityWeight);
                    }
                }
                Accumulate(scores, node, existing.PreferredAffinityTerms, pod, +1);
                Accumulate(scores, node, existing.PreferredAntiAffinityTerms, pod, -1);
            }
        }
        if (scores.Count > 0)
        {
            state.Write(ScoreKey, scores);
        }
        return Status.Success;
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<Dictionary<TopologyPair, long>>(ScoreKey) is not { } scores)
        {
            return 0;
        }
        long sum = 0;
        // Each node label names at most one domain; the map may hold thousands (hostname terms).
        foreach (var (key, value) in node.Labels)
        {
            if (scores.TryGetValue(new TopologyPair(key, value), out var weight))
            {
                sum += weight;
            }
        }
        return sum;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        if (state.Read<Dictionary<TopologyPair, long>>(ScoreKey) is null)
        {
            return;
        }
        long min = long.MaxValue, max = long.MinValue;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        var diff = max - min;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = diff > 0 ? Scores.MaxNodeScore * (scores[i] - min) / diff : 0;
        }
    }

    private static void Accumulate(Dictionary<TopologyPair, long> scores, NodeInfo node, AffinityTerm[] terms, PodInfo target, int sign)
    {
        foreach (var term in terms)
        {
            if (term.Matches(target))
            {
                AddTo(scores, node, term.TopologyKey, sign * term.Weight);
            }
        }
    }

    private static void AddTo(Dictionary<TopologyPair, long> scores, NodeInfo node, string key, long weight)
    {
        if (node.Labels.TryGetValue(key, out var value))
        {
            var pair = new TopologyPair(key, value);
            scores[pair] = scores.GetValueOrDefault(pair) + weight;
        }
    }
}
