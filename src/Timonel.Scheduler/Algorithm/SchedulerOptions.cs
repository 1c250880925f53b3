namespace Timonel.Scheduler.Algorithm;

/// <summary>Validated scheduler settings.</summary>
public sealed record SchedulerOptions
{
    /// <summary>0 = adaptive (50% - nodes/125, at least 5%); otherwise 1..100.</summary>
    public int PercentageOfNodesToScore { get; init; }

    /// <summary>
    /// Filtering fans out over threads when at least this many feasible nodes are wanted, scoring
    /// when at least this many nodes are feasible; below, the calling thread does it.
    /// </summary>
    public int ParallelThreshold { get; init; } = 512;

    /// <summary>How long an assumed pod counts after its binding finished without confirmation.</summary>
    public TimeSpan AssumedPodTtl { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An unschedulable pod is retried after this long even if no event moved it.</summary>
    public TimeSpan MaxInUnschedulable { get; init; } = TimeSpan.FromMinutes(5);

    public SchedulerOptions Validated()
    {
        if (PercentageOfNodesToScore is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(PercentageOfNodesToScore), PercentageOfNodesToScore, "must be 0..100");
        }
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), "backoff must be positive and max >= initial");
        }
        return this;
    }

    /// <summary>
    /// How many feasible nodes to find before scoring: all below 100 nodes; otherwise the
    /// percentage of the cluster, never fewer than 100.
    /// </summary>
    public int NumFeasibleNodesToFind(int allNodes)
    {
        const int MinFeasibleNodes = 100;
        if (allNodes < MinFeasibleNodes || PercentageOfNodesToScore >= 100)
        {
            return allNodes;
        }
        var percentage = PercentageOfNodesToScore;
        if (percentage == 0)
        {
            percentage = Math.Max(50 - allNodes / 125, 5);
        }
        return Math.Max(allNodes * percentage / 100, MinFeasibleNodes);
    }
}
