using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.TaintToleration;

namespace Timonel.Scheduler.Plugins.NodeUnschedulable;

/// <summary>A cordoned node (spec.unschedulable) takes only pods tolerating the unschedulable taint.</summary>
public sealed class NodeUnschedulablePlugin : IFilterPlugin
{
    private static readonly V1Taint UnschedulableTaint = new() { Key = "node.kubernetes.io/unschedulable", Effect = Tolerations.NoSchedule };

    public string Name => "NodeUnschedulable";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        node.Unschedulable && !Tolerations.ToleratedByAny(UnschedulableTaint, pod.Tolerations)
            ? Status.Unresolvable("node(s) were unschedulable")
            : Status.Success;
}
