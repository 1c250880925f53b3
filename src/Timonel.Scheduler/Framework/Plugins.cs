using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Framework;

/// <summary>The highest score a Score plugin may return after normalization.</summary>
public static class Scores
{
    public const long MaxNodeScore = 100;
}

public interface IPlugin
{
    string Name { get; }
}

/// <summary>Computes per-cycle data once; may reject the pod outright for every node.</summary>
public interface IPreFilterPlugin : IPlugin
{
    Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot);
}

/// <summary>
/// Checks one node. Called in parallel for many nodes: must only read <paramref name="state"/>.
/// </summary>
public interface IFilterPlugin : IPlugin
{
    Status Filter(CycleState state, PodInfo pod, NodeInfo node);
}

/// <summary>
/// Pre-filter data that depends on other pods must follow simulated removals and additions
/// (preemption dry-runs), as upstream's PreFilterExtensions.
/// </summary>
public interface IPreFilterExtensions : IPlugin
{
    void AddPod(CycleState state, PodInfo incoming, PodInfo added, NodeInfo node);

    void RemovePod(CycleState state, PodInfo incoming, PodInfo removed, NodeInfo node);
}

/// <summary>Runs after all nodes were filtered out (preemption).</summary>
public interface IPostFilterPlugin : IPlugin
{
    PostFilterResult PostFilter(CycleState state, PodInfo pod, Snapshot snapshot, NodeStatusMap filtered, IFilterRunner filters);
}

/// <summary>Lets a PostFilter plugin dry-run the profile's filters on a modified node.</summary>
public interface IFilterRunner
{
    Status RunFilters(CycleState state, PodInfo pod, NodeInfo node);

    void RunAddPod(CycleState state, PodInfo incoming, PodInfo added, NodeInfo node);

    void RunRemovePod(CycleState state, PodInfo incoming, PodInfo removed, NodeInfo node);
}

/// <summary>The outcome of PostFilter: a node to nominate and the pods to evict, or a message.</summary>
public sealed record PostFilterResult(Status Status, string? NominatedNode = null, IReadOnlyList<PodInfo>? Victims = null, string? Message = null);

/// <summary>Computes per-cycle data for scoring from the feasible nodes.</summary>
public interface IPreScorePlugin : IPlugin
{
    Status PreScore(CycleState state, PodInfo pod, Snapshot snapshot, IReadOnlyList<NodeInfo> feasible);
}

/// <summary>Scores one feasible node (in parallel: read-only state), then normalizes all scores to 0..100.</summary>
public interface IScorePlugin : IPlugin
{
    long Score(CycleState state, PodInfo pod, NodeInfo node);

    /// <summary>Rewrites <paramref name="scores"/> (one per feasible node, same order) into 0..MaxNodeScore.</summary>
    void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores);
}
