using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>
/// Filter (whenUnsatisfiable DoNotSchedule): placing the pod must keep, per constraint,
/// count(domain of node) + self - global minimum &lt;= maxSkew. Score (ScheduleAnyway): fewer
/// matching pods in the node's domains is better, weighted by log(domain count + 2).
/// </summary>
public sealed partial class PodTopologySpreadPlugin : IPreFilterPlugin, IFilterPlugin, IPreFilterExtensions
{
    public const string ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
    public const string ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + " (missing required label)";
    private const string FilterKey = "PreFilterPodTopologySpread";

    private readonly WorkloadSelectors? _defaults;

    /// <param name="defaults">Workload selectors for the system default constraints; null disables them.</param>
    public PodTopologySpreadPlugin(WorkloadSelectors? defaults = null) => _defaults = defaults;

    public string Name => "PodTopologySpread";

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var constraints = SpreadConstraint.From(pod, hard: true);
        if (constraints.Count == 0)
        {
            return Status.Success;
        }
        var counts = new Dictionary<string, int>[constraints.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = new Dictionary<string, int>(StringComparer.Ordinal);
        }
        foreach (var node in snapshot.Nodes)
        {
            if (!SpreadConstraint.Eligible(pod, node, constraints))
            {
                continue;
            }
            for (var i = 0; i < constraints.Count; i++)
            {
                var domain = node.Labels[constraints[i].TopologyKey];
                counts[i][domain] = counts[i].GetValueOrDefault(domain) + constraints[i].CountOn(pod, node);
            }
        }
        var s = new SpreadFilterState { Constraints = constraints, Counts = counts };
        s.RecomputeMinimums();
        state.Write(FilterKey, s);
        return Status.Success;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<SpreadFilterState>(FilterKey) is not { } s)
        {
            return Status.Success;
        }
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            var c = s.Constraints[i];
            if (!node.Labels.TryGetValue(c.TopologyKey, out var domain))
            {
                return Status.Unresolvable(ErrReasonNodeLabelNotMatch);
            }
            var self = SelectorMatcher.Matches(c.Selector, pod.Labels) ? 1 : 0;
            var skew = s.Counts[i].GetValueOrDefault(domain) + self - s.Minimums[i];
            if (skew > c.MaxSkew)
            {
                return Status.Unschedulable(ErrReasonConstraintsNotMatch);
            }
        }
        return Status.Success;
    }

    public void AddPod(CycleState state, PodInfo incoming, PodInfo added, NodeInfo node) => Adjust(state, incoming, added, node, +1);

    public void RemovePod(CycleState state, PodInfo incoming, PodInfo removed, NodeInfo node) => Adjust(state, incoming, removed, node, -1);

    private static void Adjust(CycleState state, PodInfo incoming, PodInfo changed, NodeInfo node, int delta)
    {
        if (state.Read<SpreadFilterState>(FilterKey) is not { } s || !SpreadConstraint.Eligible(incoming, node, s.Constraints))
        {
            return;
        }
        for (var i = 0; i < s.Constraints.Count; i++)
        {
            if (s.Constraints[i].Counts(incoming, changed))
            {
                var domain = node.Labels[s.Constraints[i].TopologyKey];
                s.Counts[i][domain] = s.Counts[i].GetValueOrDefault(domain) + delta;
            }
        }
        s.RecomputeMinimums();
    }
}
