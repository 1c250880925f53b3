using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.InterPodAffinity;

/// <summary>
/// Filter: (1) no existing pod's required anti-affinity may match the incoming pod within the
/// node's domain; (2) the incoming pod's required anti-affinity terms may match no pod in the
/// node's domain; (3) each required affinity term must find a matching pod in the node's domain,
/// except for the first pod of a group: if no pod anywhere matches and the pod matches its own
/// terms, any node with the topology keys is fine.
/// </summary>
public sealed partial class InterPodAffinityPlugin : IPreFilterPlugin, IFilterPlugin, IPreFilterExtensions
{
    public const string ErrReasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules";
    public const string ErrReasonAffinity = "node(s) didn't match pod affinity rules";
    public const string ErrReasonAntiAffinity = "node(s) didn't match pod anti-affinity rules";
    private const string FilterKey = "PreFilterInterPodAffinity";

    public string Name => "InterPodAffinity";

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var s = new AffinityFilterState();
        var needsAll = pod.RequiredAffinityTerms.Length > 0 || pod.RequiredAntiAffinityTerms.Length > 0;
        // Without own terms only existing pods' anti-affinity matters: visit just those nodes.
        var nodes = needsAll ? snapshot.Nodes : snapshot.NodesWithRequiredAntiAffinityPods;
        foreach (var node in nodes)
        {
            var pods = needsAll ? node.Pods : node.PodsWithRequiredAntiAffinity;
            foreach (var existing in pods)
            {
                if (existing.Key != pod.Key)
                {
                    s.Update(pod, existing, node, +1);
                }
            }
        }
        state.Write(FilterKey, s);
        return Status.Success;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<AffinityFilterState>(FilterKey) is not { } s)
        {
            return Status.Success;
        }
        // Look the node's few labels up in the counts, not the counts (one per occupied domain,
        // thousands with hostname terms) against the node.
        if (s.ExistingAntiAffinity.Count > 0)
        {
            foreach (var (key, value) in node.Labels)
            {
                if (s.ExistingAntiAffinity.ContainsKey(new TopologyPair(key, value)))
                {
                    return Status.Unschedulable(ErrReasonExistingAntiAffinity);
                }
            }
        }
        foreach (var term in pod.RequiredAntiAffinityTerms)
        {
            if (node.Labels.TryGetValue(term.TopologyKey, out var v) && s.AntiAffinity.ContainsKey(new TopologyPair(term.TopologyKey, v)))
            {
                return Status.Unschedulable(ErrReasonAntiAffinity);
            }
        }
        if (pod.RequiredAffinityTerms.Length > 0 && !AffinitySatisfied(s, pod, node))
        {
            return Status.Unresolvable(ErrReasonAffinity);
        }
        return Status.Success;
    }

    private static bool AffinitySatisfied(AffinityFilterState s, PodInfo pod, NodeInfo node)
    {
        var allFound = true;
        foreach (var term in pod.RequiredAffinityTerms)
        {
            if (!node.Labels.TryGetValue(term.TopologyKey, out var v))
            {
                return false;
            }
            allFound &= s.Affinity.ContainsKey(new TopologyPair(term.TopologyKey, v));
        }
        return allFound || (s.Affinity.Count == 0 && AffinityFilterState.MatchesAll(pod.RequiredAffinityTerms, pod));
    }

    public void AddPod(CycleState state, PodInfo incoming, PodInfo added, NodeInfo node) =>
        state.Read<AffinityFilterState>(FilterKey)?.Update(incoming, added, node, +1);

    public void RemovePod(CycleState state, PodInfo incoming, PodInfo removed, NodeInfo node) =>
        state.Read<AffinityFilterState>(FilterKey)?.Update(incoming, removed, node, -1);
}
