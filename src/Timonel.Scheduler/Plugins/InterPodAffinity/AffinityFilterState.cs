using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.InterPodAffinity;

/// <summary>A topology domain: label key and value.</summary>
internal readonly record struct TopologyPair(string Key, string Value);

/// <summary>
/// Counts per topology domain, computed once per cycle: existing pods whose required anti-affinity
/// rejects the incoming pod, pods matching all of the incoming pod's required affinity terms, and
/// pods matching its required anti-affinity terms. Cloneable for preemption's what-ifs.
/// </summary>
internal sealed class AffinityFilterState : ICloneableState
{
    public Dictionary<TopologyPair, int> ExistingAntiAffinity { get; private init; } = [];
    public Dictionary<TopologyPair, int> Affinity { get; private init; } = [];
    public Dictionary<TopologyPair, int> AntiAffinity { get; private init; } = [];

    public void Update(PodInfo incoming, PodInfo existing, NodeInfo node, int delta)
    {
        foreach (var term in existing.RequiredAntiAffinityTerms)
        {
            if (term.Matches(incoming))
            {
                Add(ExistingAntiAffinity, node, term.TopologyKey, delta);
            }
        }
        if (incoming.RequiredAffinityTerms.Length > 0 && MatchesAll(incoming.RequiredAffinityTerms, existing))
        {
            foreach (var term in incoming.RequiredAffinityTerms)
            {
                Add(Affinity, node, term.TopologyKey, delta);
            }
        }
        foreach (var term in incoming.RequiredAntiAffinityTerms)
        {
            if (term.Matches(existing))
            {
                Add(AntiAffinity, node, term.TopologyKey, delta);
            }
        }
    }

    public static bool MatchesAll(AffinityTerm[] terms, PodInfo pod)
    {
        foreach (var t in terms)
        {
            if (!t.Matches(pod))
            {
                return false;
            }
        }
        return true;
    }

    private static void Add(Dictionary<TopologyPair, int> counts, NodeInfo node, string key, int delta)
    {
        if (node.Labels.TryGetValue(key, out var value))
        {
            var pair = new TopologyPair(key, value);
            var n = counts.GetValueOrDefault(pair) + delta;
            if (n <= 0)
            {
                counts.Remove(pair);
            }
            else
            {
                counts[pair] = n;
            }
        }
    }

    public object CloneState() => new AffinityFilterState
    {
        ExistingAntiAffinity = new(ExistingAntiAffinity),
        Affinity = new(Affinity),
        AntiAffinity = new(AntiAffinity),
    };
}
