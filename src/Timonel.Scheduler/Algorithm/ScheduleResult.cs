using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Algorithm;

/// <summary>
/// One cycle's outcome: a host, or a failure with the FailedScheduling message and, when
/// preemption found room, the node to nominate and the pods to evict.
/// </summary>
public sealed record ScheduleResult(string? Host, int EvaluatedNodes, int FeasibleNodes, ScheduleFailure? Failure)
{
    public bool Succeeded => Host is not null;
}

/// <param name="IsError">True for broken input or a plugin error, not a mere misfit.</param>
public sealed record ScheduleFailure(string Message, bool IsError, NodeStatusMap Statuses, string? NominatedNode, IReadOnlyList<PodInfo> Victims)
{
    /// <summary>The plugins that rejected some node: which cluster events may help this pod.</summary>
    public IReadOnlySet<string> RejectingPlugins()
    {
        var plugins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, status) in Statuses.Entries)
        {
            if (status.Plugin is { } p)
            {
                plugins.Add(p);
            }
        }
        return plugins;
    }
}
