using Timonel.Scheduler.Algorithm;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Queue;

/// <summary>
/// Pending pods in three places, as upstream's priority queue:
/// active (ready to try, by priority then age), backoff (failed recently; waits 1 s doubling per
/// attempt up to 10 s) and unschedulable (no node fits; waits for a cluster event that may help,
/// or 5 minutes). A pod is in at most one place, or in flight between <see cref="TryPop"/> and
/// <see cref="AddUnschedulable"/>/<see cref="Done"/>. If an event arrives while a pod is in flight,
/// a later failure sends it to backoff instead of unschedulable, so the event is not lost.
/// Thread-safe; time comes only from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class SchedulingQueue
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly SchedulerOptions _options;
    private readonly SortedSet<QueuedPod> _active = new(ActiveOrder.Instance);
    private readonly Dictionary<string, QueuedPod> _activeByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedPod> _backoff = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueuedPod> _unschedulable = new(StringComparer.Ordinal);
    // Expiry orders, with lazy deletion: an entry counts only while its pod is still in that place
    // with the same time, so moves and deletions never search these.
    private readonly PriorityQueue<QueuedPod, DateTimeOffset> _backoffByExpiry = new();
    private readonly Queue<(QueuedPod Pod, DateTimeOffset Since)> _unschedulableByAge = new();
    private readonly Dictionary<string, QueuedPod> _inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletedInFlight = new(StringComparer.Ordinal);
    private long _sequence;
    private long _cycle;
    private long _moveRequestCycle = -1;

    public SchedulingQueue(TimeProvider time, SchedulerOptions options)
    {
        _time = time;
        _options = options.Validated();
    }

    public int ActiveCount { get { lock (_lock) { return _active.Count; } } }
    public int BackoffCount { get { lock (_lock) { return _backoff.Count; } } }
    public int UnschedulableCount { get { lock (_lock) { return _unschedulable.Count; } } }

    /// <summary>A new pending pod.</summary>
    public void Add(PodInfo pod)
    {
        lock (_lock)
        {
            if (Contains(pod.Key))
            {
                UpdateLocked(pod);
                return;
            }
            PushActive(new QueuedPod(pod, _time.GetUtcNow(), ++_sequence));
        }
    }

    /// <summary>
    /// A pending pod changed. In active or backoff it is replaced in place; an unschedulable pod
    /// may fit now, so it moves on (to backoff while its backoff runs, else to active).
    /// </summary>
    public void Update(PodInfo pod)
    {
        lock (_lock)
        {
            if (!Contains(pod.Key))
            {
                if (!_inFlight.ContainsKey(pod.Key))
                {
                    PushActive(new QueuedPod(pod, _time.GetUtcNow(), ++_sequence));
                }
                return;
            }
            UpdateLocked(pod);
        }
    }

    public void Delete(string key)
    {
        lock (_lock)
        {
            if (_activeByKey.Remove(key, out var qp))
            {
                _active.Remove(qp);
            }
            _backoff.Remove(key);
            _unschedulable.Remove(key);
            if (_inFlight.ContainsKey(key))
            {
                _deletedInFlight.Add(key);
            }
        }
    }

    /// <summary>
    /// The next pod to schedule, after moving pods whose backoff ended and pods unschedulable for
    /// longer than the limit back to active; false when nothing is ready.
    /// </summary>
    public bool TryPop(out QueuedPod pod)
    {
        lock (_lock)
        {
            FlushLocked();
            if (_active.Count == 0)
            {
                pod = null!;
                return false;
            }
            pod = _active.Min!;
            _active.Remove(pod);
            _activeByKey.Remove(pod.Pod.Key);
            pod.Attempts++;
            pod.Cycle = ++_cycle;
            _inFlight[pod.Pod.Key] = pod;
            return true;
        }
    }

    /// <summary>
    /// The attempt failed because no node fits. If a move request happened since the pod was
    /// popped, the cluster may have changed under the attempt: retry after backoff.
    /// </summary>
    public void AddUnschedulable(QueuedPod pod, IReadOnlySet<string>? rejectedBy = null)
    {
        lock (_lock)
        {
            pod.RejectedBy = rejectedBy ?? new HashSet<string>();
            if (!FinishInFlight(pod))
            {
                return;
            }
            var now = _time.GetUtcNow();
            pod.LastFailure = now;
            if (_moveRequestCycle >= pod.Cycle)
            {
                PushBackoff(pod);
            }
            else
            {
                pod.UnschedulableSince = now;
                _unschedulable[pod.Pod.Key] = pod;
                _unschedulableByAge.Enqueue((pod, now));
            }
        }
    }

    /// <summary>The attempt failed for a transient reason (binding error): retry after backoff.</summary>
    public void AddBackoff(QueuedPod pod)
    {
        lock (_lock)
        {
            if (FinishInFlight(pod))
            {
                pod.LastFailure = _time.GetUtcNow();
                PushBackoff(pod);
            }
        }
    }

    /// <summary>The pod was placed; the queue forgets it.</summary>
    public void Done(string key)
    {
        lock (_lock)
        {
            _inFlight.Remove(key);
            _deletedInFlight.Remove(key);
        }
    }

    /// <summary>
    /// A cluster event that may make unschedulable pods fit (node added or changed, pod deleted):
    /// every unschedulable pod moves to backoff if its backoff still runs, else to active.
    /// </summary>
    public void MoveAllToActiveOrBackoff() => MoveToActiveOrBackoff(static _ => true);

    /// <summary>
    /// A pod was bound: only pods rejected by plugins that look at other pods (inter-pod
    /// affinity, topology spread) can fit because of it.
    /// </summary>
    public void MoveForAssignedPod() =>
        MoveToActiveOrBackoff(static p => p.RejectedBy.Contains("InterPodAffinity") || p.RejectedBy.Contains("PodTopologySpread"));

    private void MoveToActiveOrBackoff(Func<QueuedPod, bool> mayHelp)
    {
        lock (_lock)
        {
            List<QueuedPod>? moved = null;
            foreach (var pod in _unschedulable.Values)
            {
                if (mayHelp(pod))
                {
                    (moved ??= []).Add(pod);
                }
            }
            foreach (var pod in moved ?? [])
            {
                _unschedulable.Remove(pod.Pod.Key);
                MoveLocked(pod);
            }
            _moveRequestCycle = _cycle;
        }
    }

    /// <summary>When the pod may be retried after its last failure.</summary>
    public DateTimeOffset BackoffExpiry(QueuedPod pod)
    {
        var exponent = Math.Clamp(pod.Attempts - 1, 0, 30);
        var ticks = Math.Min(_options.InitialBackoff.Ticks * (1L << exponent), _options.MaxBackoff.Ticks);
        return pod.LastFailure + TimeSpan.FromTicks(ticks);
    }

    private bool Contains(string key) => _activeByKey.ContainsKey(key) || _backoff.ContainsKey(key) || _unschedulable.ContainsKey(key);

    private bool FinishInFlight(QueuedPod pod)
    {
        _inFlight.Remove(pod.Pod.Key);
        return !_deletedInFlight.Remove(pod.Pod.Key) && !Contains(pod.Pod.Key);
    }

    private void UpdateLocked(PodInfo pod)
    {
        if (_activeByKey.TryGetValue(pod.Key, out var qp))
        {
            _active.Remove(qp);
            qp.Pod = pod;
            _active.Add(qp);
        }
        else if (_backoff.TryGetValue(pod.Key, out qp))
        {
            qp.Pod = pod;
        }
        else if (_unschedulable.Remove(pod.Key, out qp))
        {
            qp.Pod = pod;
            MoveLocked(qp);
        }
    }

    private void MoveLocked(QueuedPod pod)
    {
        if (BackoffExpiry(pod) > _time.GetUtcNow())
        {
            PushBackoff(pod);
        }
        else
        {
            PushActive(pod);
        }
    }

    private void PushActive(QueuedPod pod)
    {
        pod.Timestamp = _time.GetUtcNow();
        pod.Sequence = ++_sequence;
        _active.Add(pod);
        _activeByKey[pod.Pod.Key] = pod;
    }

    private void PushBackoff(QueuedPod pod)
    {
        _backoff[pod.Pod.Key] = pod;
        _backoffByExpiry.Enqueue(pod, BackoffExpiry(pod));
    }

    /// <summary>Moves pods whose backoff ended, and pods unschedulable for too long, to active.</summary>
    private void FlushLocked()
    {
        var now = _time.GetUtcNow();
        while (_backoffByExpiry.TryPeek(out var pod, out var expiry) && expiry <= now)
        {
            _backoffByExpiry.Dequeue();
            if (_backoff.TryGetValue(pod.Pod.Key, out var current) && ReferenceEquals(current, pod) && BackoffExpiry(pod) == expiry)
            {
                _backoff.Remove(pod.Pod.Key);
                PushActive(pod);
            }
        }
        // Entries were enqueued in time order, so the oldest is first.
        while (_unschedulableByAge.TryPeek(out var entry) && now - entry.Since >= _options.MaxInUnschedulable)
        {
            _unschedulableByAge.Dequeue();
            var (pod, since) = entry;
            if (_unschedulable.TryGetValue(pod.Pod.Key, out var current) && ReferenceEquals(current, pod) && pod.UnschedulableSince == since)
            {
                _unschedulable.Remove(pod.Pod.Key);
                PushActive(pod);
            }
        }
    }
}
