namespace Timonel.Client.Queues;

/// <summary>
/// Keys waiting for their time, on one timer armed for the earliest. A key scheduled twice keeps
/// the earlier time. The heap may hold stale entries; the dictionary says which entry is live.
/// </summary>
internal sealed class DelayedAdds<TKey> : IDisposable where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<TKey> _ready;
    private readonly PriorityQueue<TKey, DateTimeOffset> _heap = new();
    private readonly Dictionary<TKey, DateTimeOffset> _due = [];
    private readonly ITimer _timer;
    private bool _disposed;

    public DelayedAdds(TimeProvider time, Action<TKey> ready)
    {
        _time = time;
        _ready = ready;
        _timer = time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Schedule(TKey key, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_disposed || (_due.TryGetValue(key, out var existing) && existing <= at))
            {
                return;
            }
            _due[key] = at;
            _heap.Enqueue(key, at);
            Arm();
        }
    }

    private void Fire()
    {
        var ready = new List<TKey>();
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_heap.TryPeek(out var key, out var at) && at <= now)
            {
                _heap.Dequeue();
                if (_due.TryGetValue(key, out var live) && live == at)
                {
                    _due.Remove(key);
                    ready.Add(key);
                }
            }
            Arm();
        }
        foreach (var key in ready)
        {
            _ready(key);
        }
    }

    private void Arm()
    {
        if (_disposed)
        {
            return;
        }
        if (_heap.TryPeek(out _, out var at))
        {
            var delay = at - _time.GetUtcNow();
            _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _heap.Clear();
            _due.Clear();
        }
        _timer.Dispose();
    }
}
