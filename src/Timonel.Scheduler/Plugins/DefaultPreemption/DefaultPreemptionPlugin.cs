using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.DefaultPreemption;

/// <summary>
/// PostFilter: when no node fits, look for nodes where evicting lower-priority pods makes the pod
/// fit; pick the node losing the least (see <see cref="CandidateOrder"/>), and report it as the
/// nominated node with its victims. The scheduler does not evict: the caller deletes the victims
/// and sets status.nominatedNodeName; the pod is retried when the deletions arrive.
/// Nodes rejected as unresolvable are skipped: evicting pods cannot fix a taint or a selector.
/// </summary>
public sealed class DefaultPreemptionPlugin : IPostFilterPlugin
{
    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";

    private readonly DisruptionBudgets _budgets;

    /// <param name="budgets">PodDisruptionBudgets to respect where possible; null means none.</param>
    public DefaultPreemptionPlugin(DisruptionBudgets? budgets = null) => _budgets = budgets ?? new DisruptionBudgets();

    public string Name => "DefaultPreemption";

    public PostFilterResult PostFilter(CycleState state, PodInfo pod, Snapshot snapshot, NodeStatusMap filtered, IFilterRunner filters)
    {
        var all = snapshot.Nodes.Length;
        if (pod.Pod.Spec?.PreemptionPolicy == "Never")
        {
            return new PostFilterResult(Status.Unschedulable("not eligible due to preemptionPolicy=Never."), Message: "preemption: not eligible due to preemptionPolicy=Never.");
        }
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var candidates = new List<Candidate>();
        // Upstream stops after enough candidates: 10% of the nodes, at least 100.
        var enough = Math.Max(all / 10, 100);
        foreach (var node in snapshot.Nodes)
        {
            if (candidates.Count >= enough)
            {
                break;
            }
            if (!filtered.TryGet(node.Name, out var status) || status.Code != StatusCode.Unschedulable)
            {
                Count(reasons, NotHelpful);
                continue;
            }
            var (candidate, failure) = SelectVictims(state, pod, node, filters);
            if (candidate is not null)
            {
                candidates.Add(candidate);
            }
            else
            {
                foreach (var r in failure.Reasons)
                {
                    Count(reasons, r);
                }
            }
        }
        if (candidates.Count == 0)
        {
            var message = FailureMessage.Preemption(all, reasons);
            return new PostFilterResult(Status.Unschedulable(message), Message: message);
        }
        var best = CandidateOrder.Best(candidates);
        return new PostFilterResult(Status.Success, best.Node.Name, best.Victims);
    }

    /// <summary>
    /// Removes every lower-priority pod; if the pod then fits, adds them back as long as the pod
    /// still fits: first the pods whose eviction would break a disruption budget, then the others,
    /// each group most important first (higher priority, then earlier start). The rest are victims.
    /// </summary>
    private (Candidate? Candidate, Status Failure) SelectVictims(CycleState original, PodInfo pod, NodeInfo node, IFilterRunner filters)
    {
        var lower = node.Pods.Where(p => p.Priority < pod.Priority)
            .OrderByDescending(p => p.Priority).ThenBy(p => p.StartTime).ToList();
        if (lower.Count == 0)
        {
            return (null, Status.Unschedulable(NoVictims));
        }
        var state = original.Clone();
        var trial = node;
        long generation = node.Generation;
        foreach (var p in lower)
        {
            trial = trial.WithoutPod(p.Key, generation);
            filters.RunRemovePod(state, pod, p, trial);
        }
        var fits = filters.RunFilters(state, pod, trial);
        if (!fits.IsSuccess)
        {
            return (null, fits);
        }
        var victims = new List<PodInfo>();
        var violations = 0;
        var (violating, nonViolating) = _budgets.Split(lower);
        bool Reprieve(PodInfo p)
        {
            var withBack = trial.WithPod(p, generation);
            filters.RunAddPod(state, pod, p, withBack);
            if (filters.RunFilters(state, pod, withBack).IsSuccess)
            {
                trial = withBack;
                return true;
            }
            filters.RunRemovePod(state, pod, p, trial);
            victims.Add(p);
            return false;
        }
        foreach (var p in violating)
        {
            violations += Reprieve(p) ? 0 : 1;
        }
        foreach (var p in nonViolating)
        {
            Reprieve(p);
        }
        return (new Candidate(node, victims, violations), Status.Success);
    }

    private static void Count(Dictionary<string, int> reasons, string reason) =>
        reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
}
