namespace Timonel.ApiServer.Storage;

/// <summary>
/// The watch cache's consistent reads: lists as fresh as the store's current revision (upstream's
/// consistent list from cache), and later pages of a list at the revision of its first.
/// </summary>
public sealed partial class WatchCache
{
    /// <summary>How long a fresh read waits for the cache to catch up before the caller reads the store (upstream: 3 s).</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(3);
    /// <summary>How often a waiting fresh read asks the store for progress again.</summary>
    private static readonly TimeSpan ProgressRetry = TimeSpan.FromMilliseconds(100);
    /// <summary>Fresh reads waiting for the cache to reach a revision.</summary>
    private readonly List<(long Revision, TaskCompletionSource Reached)> _catchUpWaiters = [];

    /// <summary>
    /// The objects under a prefix once the cache holds every change up to <paramref name="minRevision"/>
    /// (0: the store's current revision, a consistent read as upstream serves lists without a
    /// resourceVersion from its cache). Null when the store cannot report progress on request, or the
    /// cache did not catch up within <see cref="CatchUpLimit"/>: the caller then reads the store.
    /// </summary>
    public async Task<(IReadOnlyList<CachedObject> Items, long Revision)?> FreshSnapshotAsync(string prefix, long minRevision, CancellationToken ct)
    {
        if (!_store.ReportsProgressOnRequest)
        {
            return null;
        }
        await ReadyAsync(ct);
        var target = minRevision > 0 ? minRevision : await _store.GetRevisionAsync(ct);
        return await CatchUpAsync(target, ct) ? Snapshot(prefix) : null;
    }

    /// <summary>
    /// Waits until the cache's revision reaches <paramref name="target"/>. Changes of other
    /// resources move the store's revision without an event here, so the store is asked for a
    /// progress notification, which arrives once this cache's store watch has delivered everything.
    /// </summary>
    private async Task<bool> CatchUpAsync(long target, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            lock (_lock)
            {
                if (_revision >= target) return true;
            }
            var left = CatchUpLimit - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            _store.RequestWatchProgress();
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (_revision >= target) return true;
                _catchUpWaiters.Add((target, reached));
            }
            try
            {
                await reached.Task.WaitAsync(left < ProgressRetry ? left : ProgressRetry, ct);
                return true;
            }
            catch (TimeoutException) when (left > ProgressRetry)
            {
                // Ask for progress again.
            }
            catch (TimeoutException)
            {
                return false;
            }
            finally
            {
                lock (_lock) _catchUpWaiters.Remove((target, reached));
            }
        }
    }

    /// <summary>Releases the fresh reads the cache's revision now satisfies; under <see cref="_lock"/>.</summary>
    private void ReleaseCaughtUpLocked()
    {
        if (_catchUpWaiters.Count == 0) return;
        _catchUpWaiters.RemoveAll(w =>
        {
            if (w.Revision > _revision) return false;
            w.Reached.TrySetResult();
            return true;
        });
    }

    /// <summary>
    /// The objects under a prefix whose keys sort after <paramref name="afterKey"/>, as they were at
    /// <paramref name="revision"/>; null unless the cache can tell: it has seen that revision and no
    /// change of this resource since (a continued list then reads no store).
    /// </summary>
    public async Task<IReadOnlyList<CachedObject>?> SnapshotAtAsync(string prefix, long revision, string afterKey, CancellationToken ct)
    {
        await ReadyAsync(ct);
        lock (_lock)
        {
            if (_lastChange > revision || _revision < revision)
            {
                return null;
            }
            var keys = _sortedKeys ??= SortedKeys();
            var items = new List<CachedObject>();
            var at = Array.BinarySearch(keys, afterKey, StringComparer.Ordinal);
            for (var i = at < 0 ? ~at : at + 1; i < keys.Length && keys[i].StartsWith(prefix, StringComparison.Ordinal); i++)
            {
                items.Add(_objects[keys[i]]);
            }
            return items;
        }
    }
}
