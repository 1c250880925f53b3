using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.NodeResourcesBalancedAllocation;

/// <summary>
/// Prefers nodes whose cpu and memory would be used in equal shares after placing the pod:
/// score = (1 - standard deviation of the two fractions) * 100, fractions capped at 1.
/// </summary>
public sealed class BalancedAllocationPlugin : IScorePlugin
{
    public string Name => "NodeResourcesBalancedAllocation";

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var cpu = Fraction(node.NonZeroRequested.MilliCpu + pod.NonZeroRequests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = Fraction(node.NonZeroRequested.MemoryBytes + pod.NonZeroRequests.MemoryBytes, node.Allocatable.MemoryBytes);
        // With two values the population standard deviation is half their distance.
        var std = Math.Abs(cpu - memory) / 2;
        return (long)((1 - std) * Scores.MaxNodeScore);
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        // Already 0..100.
    }

    private static double Fraction(long requested, long capacity) =>
        capacity == 0 ? 1 : Math.Min(1.0, (double)requested / capacity);
}
