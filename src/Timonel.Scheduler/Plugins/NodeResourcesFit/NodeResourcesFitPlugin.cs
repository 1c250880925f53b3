using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.NodeResourcesFit;

/// <summary>
/// Filter: the pod's effective request must fit in allocatable minus what the node's pods request,
/// per resource the pod asks for, and the pod count must stay within allocatable pods. Every
/// shortage is its own reason ("Insufficient cpu", "Too many pods"), counted separately in the
/// FailedScheduling message. Score: LeastAllocated over cpu and memory (weight 1 each).
/// </summary>
public sealed class NodeResourcesFitPlugin : IFilterPlugin, IScorePlugin
{
    public string Name => "NodeResourcesFit";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var reasons = Insufficient(pod.Requests, node);
        return reasons is null ? Status.Success : Status.Unschedulable(reasons.ToArray());
    }

    /// <summary>The reasons <paramref name="request"/> does not fit on <paramref name="node"/>, or null.</summary>
    public static List<string>? Insufficient(Resources request, NodeInfo node)
    {
        List<string>? reasons = null;
        var alloc = node.Allocatable;
        var used = node.Requested;
        if (node.Pods.Length + 1 > alloc.AllowedPods)
        {
            (reasons ??= []).Add("Too many pods");
        }
        if (request.IsZero)
        {
            return reasons;
        }
        if (request.MilliCpu > 0 && request.MilliCpu > alloc.MilliCpu - used.MilliCpu)
        {
            (reasons ??= []).Add("Insufficient cpu");
        }
        if (request.MemoryBytes > 0 && request.MemoryBytes > alloc.MemoryBytes - used.MemoryBytes)
        {
            (reasons ??= []).Add("Insufficient memory");
        }
        if (request.EphemeralBytes > 0 && request.EphemeralBytes > alloc.EphemeralBytes - used.EphemeralBytes)
        {
            (reasons ??= []).Add("Insufficient ephemeral-storage");
        }
        if (request.Scalars is not null)
        {
            foreach (var (name, amount) in request.Scalars)
            {
                if (amount > 0 && amount > alloc.Scalar(name) - used.Scalar(name))
                {
                    (reasons ??= []).Add("Insufficient " + name);
                }
            }
        }
        return reasons;
    }

    /// <summary>
    /// Mean over cpu and memory of the free share left after placing the pod, 0..100; requests
    /// here count defaults for containers without requests, so best-effort pods still spread.
    /// </summary>
    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var cpu = LeastAllocated(node.NonZeroRequested.MilliCpu + pod.NonZeroRequests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = LeastAllocated(node.NonZeroRequested.MemoryBytes + pod.NonZeroRequests.MemoryBytes, node.Allocatable.MemoryBytes);
        return (cpu + memory) / 2;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        // Already 0..100.
    }

    private static long LeastAllocated(long requested, long capacity) =>
        capacity == 0 || requested > capacity ? 0 : (capacity - requested) * Scores.MaxNodeScore / capacity;
}
