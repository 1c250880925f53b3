namespace Timonel.Client.Queues;

/// <summary>
/// A keyed work queue with client-go's contract:
/// <list type="bullet">
/// <item>a key is queued at most once (Add of a queued key is a no-op: dirty set);</item>
/// <item>a key handed out by <see cref="GetAsync"/> is "processing" until <see cref="Done"/>; an Add
///   meanwhile marks it dirty and it is queued again at Done, so one key is never processed by two
///   workers at once and no change is missed;</item>
/// <item><see cref="AddAfter"/> waits on the <see cref="TimeProvider"/>; the earliest pending time of a key wins;</item>
/// <item><see cref="AddRateLimited"/> delays by the rate limiter; <see cref="Forget"/> clears a key's failures;</item>
/// <item>after <see cref="ShutDown"/> adds are ignored, queued keys are still handed out (drain), and
///   GetAsync returns ShutDown = true once the queue is empty.</item>
/// </list>
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly List<TaskCompletionSource> _waiters = [];
    private readonly IRateLimiter<TKey> _limiter;
    private readonly TimeProvider _time;
    private readonly DelayedAdds<TKey> _delayed;
    private TaskCompletionSource? _drained;
    private bool _shuttingDown;

    public WorkQueue(TimeProvider time, IRateLimiter<TKey>? rateLimiter = null)
    {
        _time = time;
        _limiter = rateLimiter ?? RateLimiters.DefaultController<TKey>(time);
        _delayed = new DelayedAdds<TKey>(time, Add);
    }

    public int Count
    {
        get { lock (_lock) return _queue.Count; }
    }

    public bool ShuttingDown
    {
        get { lock (_lock) return _shuttingDown; }
    }

    public void Add(TKey key)
    {
        lock (_lock)
        {
            if (_shuttingDown || !_dirty.Add(key))
            {
                return;
            }
            if (_processing.Contains(key))
            {
                return;
            }
            _queue.Enqueue(key);
            WakeWaiters();
        }
    }

    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (ShuttingDown)
        {
            return;
        }
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }
        _delayed.Schedule(key, _time.GetUtcNow() + delay);
    }

    public void AddRateLimited(TKey key) => AddAfter(key, _limiter.When(key));

    public void Forget(TKey key) => _limiter.Forget(key);

    public int NumRequeues(TKey key) => _limiter.NumRequeues(key);

    /// <summary>The next key to process, or ShutDown = true when shut down and drained.</summary>
    public async Task<(TKey Key, bool ShutDown)> GetAsync(CancellationToken ct = default)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_lock)
            {
                if (_queue.TryDequeue(out var key))
                {
                    _processing.Add(key);
                    _dirty.Remove(key);
                    return (key, false);
                }
                if (_shuttingDown)
                {
                    return (default!, true);
                }
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(waiter);
            }
            try
            {
                await waiter.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    /// <summary>Ends processing of a key; if it was added meanwhile it is queued again.</summary>
    public void Done(TKey key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _queue.Enqueue(key);
                WakeWaiters();
            }
            else if (_shuttingDown && _processing.Count == 0 && _queue.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops accepting keys; queued keys are still handed out, then workers see ShutDown.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
            WakeWaiters();
            // A drain asked for before this point may have seen its last Done while not yet shutting down.
            if (_processing.Count == 0 && _queue.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
        _delayed.Dispose();
    }

    /// <summary>ShutDown, then wait until every queued and processing key is Done.</summary>
    public Task ShutDownWithDrainAsync(CancellationToken ct = default)
    {
        Task drained;
        lock (_lock)
        {
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }
        // ShutDown completes the drain when nothing is queued or processing by then; else the last Done does.
        ShutDown();
        return drained.WaitAsync(ct);
    }

    // Every waiter re-checks the queue; workers are few, so waking all is cheap and never loses a wake-up.
    private void WakeWaiters()
    {
        foreach (var w in _waiters)
        {
            w.TrySetResult();
        }
        _waiters.Clear();
    }

    public void Dispose() => ShutDown();
}
