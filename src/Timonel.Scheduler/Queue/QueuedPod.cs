using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Queue;

/// <summary>A pending pod and its scheduling history. Owned by the queue; callers only read it.</summary>
public sealed class QueuedPod
{
    internal QueuedPod(PodInfo pod, DateTimeOffset now, long sequence)
    {
        Pod = pod;
        Timestamp = now;
        Sequence = sequence;
    }

    public PodInfo Pod { get; internal set; }

    /// <summary>When the pod (re-)entered the active queue; earlier goes first among equal priorities.</summary>
    public DateTimeOffset Timestamp { get; internal set; }

    /// <summary>Scheduling attempts so far; drives the backoff.</summary>
    public int Attempts { get; internal set; }

    /// <summary>When the last attempt failed; the backoff runs from here.</summary>
    public DateTimeOffset LastFailure { get; internal set; }

    /// <summary>When the pod entered the unschedulable set.</summary>
    public DateTimeOffset UnschedulableSince { get; internal set; }

    /// <summary>The plugins that rejected the pod in its last failed attempt (empty if unknown).</summary>
    public IReadOnlySet<string> RejectedBy { get; internal set; } = new HashSet<string>();

    /// <summary>The scheduling cycle that popped the pod last.</summary>
    public long Cycle { get; internal set; }

    /// <summary>Tie-breaker that keeps sorted sets total and insertion-ordered.</summary>
    internal long Sequence { get; set; }
}

/// <summary>Active queue order: higher priority first, then earlier timestamp, then insertion.</summary>
internal sealed class ActiveOrder : IComparer<QueuedPod>
{
    public static ActiveOrder Instance { get; } = new();

    public int Compare(QueuedPod? x, QueuedPod? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        var c = y!.Pod.Priority.CompareTo(x!.Pod.Priority);
        if (c == 0)
        {
            c = x.Timestamp.CompareTo(y.Timestamp);
        }
        return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
    }
}
