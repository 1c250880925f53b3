namespace Timonel.Storage.Sqlite;

/// <summary>
/// One watch's bounded buffer between the writer (producer) and the consumer's enumerator.
/// </summary>
/// <remarks>
/// The writer offers events under the hub's publish lock and never waits: when the buffer is full
/// the watcher is cut (the consumer drains what was queued, then gets <see cref="WatchLaggedException"/>).
/// Events below <see cref="MinRevision"/> are ignored; the consumer replays those from the log.
/// </remarks>
internal sealed class Watcher(string prefix, int capacity, bool progressNotify) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<WatchEvent> _queue = new();
    private TaskCompletionSource? _signal;
    private Exception? _terminal;
    private long _lastQueuedRevision;
    /// <summary>One timer per watch, re-armed by each idle wait (not a timer and a timeout exception per wait).</summary>
    private ITimer? _idleTimer;
    private bool _idleElapsed;
    private bool _progressRequested;

    public string Prefix { get; } = prefix;

    /// <summary>Whether the consumer reports progress (when idle, and when asked).</summary>
    public bool ProgressNotify { get; } = progressNotify;

    /// <summary>Set once, under the publish lock, at registration.</summary>
    public long MinRevision { get; set; }

    /// <summary>True once the watcher was cut as lagging (for logging).</summary>
    public bool Lagged { get; private set; }

    /// <summary>Called by the writer under the publish lock; never blocks.</summary>
    public void Offer(IReadOnlyList<WatchEvent> events)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (_terminal is not null)
            {
                return;
            }
            foreach (var e in events)
            {
                if (e.Revision < MinRevision || !e.Kv!.Key.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                if (_queue.Count >= capacity)
                {
                    Lagged = true;
                    _terminal = new WatchLaggedException(_lastQueuedRevision == 0 ? MinRevision - 1 : _lastQueuedRevision);
                    break;
                }
                _queue.Enqueue(e);
                _lastQueuedRevision = e.Revision;
            }
            (wake, _signal) = (_signal, null);
        }
        wake?.TrySetResult();
    }

    /// <summary>Ends the stream after the queued events (store closing).</summary>
    public void Terminate(Exception reason)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _terminal ??= reason;
            (wake, _signal) = (_signal, null);
        }
        wake?.TrySetResult();
    }

    /// <summary>True when nothing is waiting for the consumer; checked under the publish lock.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count == 0 && _terminal is null;
            }
        }
    }

    /// <summary>
    /// The next event, or null when <paramref name="idleTimeout"/> passed without one.
    /// Throws the terminal exception once the queue is drained.
    /// </summary>
    public async ValueTask<WatchEvent?> NextAsync(TimeSpan idleTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var armed = false;
        while (true)
        {
            Task waitFor;
            lock (_gate)
            {
                if (_queue.TryDequeue(out var next))
                {
                    return next;
                }
                if (_terminal is not null)
                {
                    throw _terminal;
                }
                if ((armed && _idleElapsed) || _progressRequested)
                {
                    _progressRequested = false;
                    return null;
                }
                _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waitFor = _signal.Task;
            }
            if (!armed && idleTimeout != Timeout.InfiniteTimeSpan)
            {
                lock (_gate)
                {
                    _idleElapsed = false;
                }
                _idleTimer ??= time.CreateTimer(static state => ((Watcher)state!).IdleElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _idleTimer.Change(idleTimeout, Timeout.InfiniteTimeSpan);
                armed = true;
            }
            await waitFor.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Makes the consumer's wait end as if idle once the queue is drained, so it reports progress
    /// now instead of after the idle interval (etcd's progress request).
    /// </summary>
    public void RequestProgress()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _progressRequested = true;
            (wake, _signal) = (_signal, null);
        }
        wake?.TrySetResult();
    }

    private void IdleElapsed()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _idleElapsed = true;
            (wake, _signal) = (_signal, null);
        }
        wake?.TrySetResult();
    }

    /// <summary>Stops the idle timer; called once the watch has ended.</summary>
    public void Dispose() => _idleTimer?.Dispose();
}
