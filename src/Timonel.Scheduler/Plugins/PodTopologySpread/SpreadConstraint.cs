using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>One topologySpreadConstraint compiled for a cycle.</summary>
internal sealed record SpreadConstraint(string TopologyKey, int MaxSkew, int MinDomains, LabelSelector Selector, bool Hard)
{
    public const string Hostname = "kubernetes.io/hostname";

    public static List<SpreadConstraint> From(PodInfo pod, bool hard)
    {
        var result = new List<SpreadConstraint>();
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
        existing.Namespace == incoming.Namespace && existing.Pod.Metadata?.DeletionTimestamp is null && Selector.Matches(existing.Labels);

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
