using Timonel.Scheduler.Plugins.DefaultPreemption;
using Timonel.Scheduler.Plugins.ImageLocality;
using Timonel.Scheduler.Plugins.InterPodAffinity;
using Timonel.Scheduler.Plugins.NodeAffinity;
using Timonel.Scheduler.Plugins.NodeName;
using Timonel.Scheduler.Plugins.NodePorts;
using Timonel.Scheduler.Plugins.NodeResourcesBalancedAllocation;
using Timonel.Scheduler.Plugins.NodeResourcesFit;
using Timonel.Scheduler.Plugins.NodeUnschedulable;
using Timonel.Scheduler.Plugins.PodTopologySpread;
using Timonel.Scheduler.Plugins.TaintToleration;

namespace Timonel.Scheduler.Framework;

/// <summary>A score plugin with the weight its normalized score is multiplied by.</summary>
public sealed record WeightedScorePlugin(IScorePlugin Plugin, int Weight);

/// <summary>
/// The plugins of one scheduler profile, per extension point, in the order they run. Cheap,
/// decisive filters come first so most rejected nodes cost one check.
/// </summary>
public sealed class Profile
{
    public required string SchedulerName { get; init; }
    public required IReadOnlyList<IPreFilterPlugin> PreFilter { get; init; }
    public required IReadOnlyList<IFilterPlugin> Filter { get; init; }
    public required IReadOnlyList<IPostFilterPlugin> PostFilter { get; init; }
    public required IReadOnlyList<IPreScorePlugin> PreScore { get; init; }
    public required IReadOnlyList<WeightedScorePlugin> Score { get; init; }

    /// <summary>Plugins whose pre-filter data follows simulated pod additions/removals.</summary>
    public IReadOnlyList<IPreFilterExtensions> PreFilterExtensions =>
        PreFilter.OfType<IPreFilterExtensions>().ToList();

    /// <summary>
    /// kube-scheduler's default profile (the plugins Timonel implements): filter order
    /// NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit,
    /// PodTopologySpread, InterPodAffinity; score weights TaintToleration 3, NodeAffinity 2,
    /// PodTopologySpread 2, InterPodAffinity 2, NodeResourcesFit 1, BalancedAllocation 1,
    /// ImageLocality 1; PostFilter DefaultPreemption.
    /// </summary>
    /// <param name="workloads">Selectors for the system default spreading; null leaves it off.</param>
    /// <param name="budgets">PodDisruptionBudgets for preemption; null means none.</param>
    public static Profile Default(string schedulerName = "default-scheduler", WorkloadSelectors? workloads = null, DisruptionBudgets? budgets = null)
    {
        var taints = new TaintTolerationPlugin();
        var nodeAffinity = new NodeAffinityPlugin();
        var fit = new NodeResourcesFitPlugin();
        var spread = new PodTopologySpreadPlugin(workloads);
        var interPod = new InterPodAffinityPlugin();
        return new Profile
        {
            SchedulerName = schedulerName,
            PreFilter = [nodeAffinity, spread, interPod],
            Filter = [new NodeUnschedulablePlugin(), new NodeNamePlugin(), taints, nodeAffinity, new NodePortsPlugin(), fit, spread, interPod],
            PostFilter = [new DefaultPreemptionPlugin(budgets)],
            PreScore = [interPod, spread],
            Score =
            [
                new(taints, 3),
                new(nodeAffinity, 2),
                new(fit, 1),
                new(spread, 2),
                new(interPod, 2),
                new(new BalancedAllocationPlugin(), 1),
                new(new ImageLocalityPlugin(), 1),
            ],
        };
    }
}
