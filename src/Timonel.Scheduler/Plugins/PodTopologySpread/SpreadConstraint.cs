using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>One topologySpreadConstraint compiled for a cycle.</summary>
internal sealed record SpreadConstraint(string TopologyKey, int MaxSkew, int MinDomains, LabelSelector Selector, bool Hard)
{
    public const string Hostname = "kubernetes.io/hostname";

    public const string Zone = "topology.kubernetes.io/zone";

    /// <summary>
    /// The pod's own constraints of one kind. A pod without any constraints gets the system
    /// defaults when its workload's selector is known: hostname maxSkew 3 and zone maxSkew 5,
    /// both ScheduleAnyway (so they only score).
    /// </summary>
    public static List<SpreadConstraint> From(PodInfo pod, bool hard, WorkloadSelectors? defaults = null)
    {
        var result = new List<SpreadConstraint>();
        if (pod.Pod.Spec?.TopologySpreadConstraints is not { Count: > 0 })
        {
            if (!hard && defaults?.For(pod) is { } selector)
            {
                result.Add(new SpreadConstraint(Hostname, 3, 1, selector, false));
                result.Add(new SpreadConstraint(Zone, 5, 1, selector, false));
            }
            return result;
        }
        foreach (var c in pod.Pod.Spec?.TopologySpreadConstraints ?? [])
        {
            var isHard = c.WhenUnsatisfiable != "ScheduleAnyway";
            if (isHard == hard)
            {
                result.Add(new SpreadConstraint(c.TopologyKey, c.MaxSkew, c.MinDomains ?? 1, LabelSelector.FromModel(c.LabelSelector), isHard));
            }
        }
        return result;
    }

    /// <summary>Pods that count for this constraint: same namespace, selector matches, not terminating.</summary>
    public bool Counts(PodInfo incoming, PodInfo existing) =>
        existing.Namespace == incoming.Namespace && existing.Pod.Metadata?.DeletionTimestamp is null && SelectorMatcher.Matches(Selector, existing.Labels);

    public int CountOn(PodInfo incoming, NodeInfo node)
    {
        var n = 0;
        foreach (var p in node.Pods)
        {
            if (Counts(incoming, p))
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>
    /// A node takes part in spreading when it carries every constraint's key and the pod's node
    /// selector/affinity accepts it (nodeAffinityPolicy Honor; taints are ignored by default).
    /// </summary>
    public static bool Eligible(PodInfo pod, NodeInfo node, List<SpreadConstraint> constraints)
    {
        foreach (var c in constraints)
        {
            if (!node.Labels.ContainsKey(c.TopologyKey))
            {
                return false;
            }
        }
        return NodeAffinity.NodeAffinityPlugin.Fits(pod.Pod, node.Name, node.Labels);
    }
}
