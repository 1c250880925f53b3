using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.NodePorts;

/// <summary>
/// A host port is taken when another pod on the node uses the same port and protocol on the same
/// IP, or either side binds all addresses (0.0.0.0).
/// </summary>
public sealed class NodePortsPlugin : IFilterPlugin
{
    public const string ErrReason = "node(s) didn't have free ports for the requested pod ports";
    private const string AnyIp = "0.0.0.0";

    public string Name => "NodePorts";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var wanted in pod.HostPorts)
        {
            foreach (var used in node.UsedPorts)
            {
                if (wanted.Port == used.Port && wanted.Protocol == used.Protocol &&
                    (wanted.Ip == used.Ip || wanted.Ip == AnyIp || used.Ip == AnyIp))
                {
                    return Status.Unschedulable(ErrReason);
                }
            }
        }
        return Status.Success;
    }
}
