using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.NodeName;

/// <summary>A pod that names its node (spec.nodeName) fits only there.</summary>
public sealed class NodeNamePlugin : IFilterPlugin
{
    public string Name => "NodeName";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var wanted = pod.Pod.Spec?.NodeName;
        return string.IsNullOrEmpty(wanted) || wanted == node.Name
            ? Status.Success
            : Status.Unresolvable("node(s) didn't match the requested node name");
    }
}
