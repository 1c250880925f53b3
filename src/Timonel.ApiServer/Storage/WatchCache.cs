using System.Threading.Channels;
using Timonel.Storage;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// One store watch per resource, fanned out to every client watch of that resource, with the
/// current objects kept for lists at resourceVersion=0 and a window of recent events so a watch
/// from a recent revision replays from memory.
/// </summary>
/// <remarks>
/// States: not started → filling (first list) → live. A failure of the store watch (compaction,
/// lag, lost store) closes every subscription and refills; clients then watch again, as upstream
/// clients do when a watch ends. All state changes happen under <see cref="_lock"/>; objects are kept as
/// stored bytes (<see cref="CachedObject"/>), immutable, and handed out as they are. A subscriber whose buffer fills is cut off, so a slow
/// client never stalls the others.
/// </remarks>
public sealed partial class WatchCache : IAsyncDisposable
{
    private const int WindowSize = 8192;
    private const int SubscriberBuffer = 4096;

    private readonly IKeyValueStore _store;
    private readonly string _prefix;
    private readonly object _lock = new();
    private readonly Dictionary<string, CachedObject> _objects = new(StringComparer.Ordinal);
    /// <summary>
    /// The keys of <see cref="_objects"/> in ordinal order, built by the first list after a key was
    /// added or removed (updates keep it). A sorted dictionary paid ~35 ordinal comparisons of long,
    /// mostly equal keys per event instead; lists are far rarer than writes.
    /// </summary>
    private string[]? _sortedKeys;
    private readonly Queue<CachedEvent> _window = new();
    private readonly List<Subscription> _subscribers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _revision;
    /// <summary>The revision of the last change the cache applied (the fill's revision after a fill).</summary>
    private long _lastChange;
    /// <summary>
    /// The window holds every event of this resource after this revision: the fill's revision, then
    /// the revision of the last event dropped from the window. Revisions are the store's, shared by
    /// all resources, so gaps between a resource's events say nothing about what was dropped.
    /// </summary>
    private long _completeAfter;
    private Task? _pump;

    public WatchCache(IKeyValueStore store, string prefix)
    {
        _store = store;
        _prefix = prefix;
    }

    /// <summary>Starts filling on first use; returns when the cache holds a consistent state.</summary>
    public Task ReadyAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            _pump ??= Task.Run(RunAsync);
        }
        return _ready.Task.WaitAsync(ct);
    }

    /// <summary>The objects under a prefix and the revision they are current at.</summary>
    public async Task<(IReadOnlyList<CachedObject> Items, long Revision)> SnapshotAsync(string prefix, CancellationToken ct)
    {
        await ReadyAsync(ct);
        return Snapshot(prefix);
    }

    private (IReadOnlyList<CachedObject> Items, long Revision) Snapshot(string prefix)
    {
        lock (_lock)
        {
            var keys = _sortedKeys ??= SortedKeys();
            var items = new List<CachedObject>();
            // The keys under the prefix are one run of the sorted array: find its start.
            var first = Array.BinarySearch(keys, prefix, StringComparer.Ordinal);
            for (var i = first < 0 ? ~first : first; i < keys.Length && keys[i].StartsWith(prefix, StringComparison.Ordinal); i++)
            {
                items.Add(_objects[keys[i]]);
            }
            return (items, _revision);
        }
    }

    /// <summary>
    /// Subscribes to events after <paramref name="afterRevision"/> under a prefix, or returns null
    /// when that revision is older than the window (the caller then reads the store's history).
    /// </summary>
    public async Task<Subscription?> SubscribeAsync(string prefix, long afterRevision, CancellationToken ct)
    {
        await ReadyAsync(ct);
        lock (_lock)
        {
            return afterRevision < _completeAfter ? null : SubscribeLocked(prefix, afterRevision);
        }
    }

    /// <summary>
    /// For a watch from a revision older than the window: subscribes to every event the window
    /// holds and all later ones, and returns the revision up to which the caller reads the store's
    /// history first (the subscription carries everything after it, with no gap and no overlap).
    /// </summary>
    public async Task<(Subscription Subscription, long HistoryUntil)> SubscribeFromWindowStartAsync(string prefix, CancellationToken ct)
    {
        await ReadyAsync(ct);
        lock (_lock)
        {
            return (SubscribeLocked(prefix, _completeAfter), _completeAfter);
        }
    }

    private Subscription SubscribeLocked(string prefix, long afterRevision)
    {
        var sub = new Subscription(this, prefix);
        foreach (var ev in _window)
        {
            if (ev.Revision > afterRevision && ev.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                sub.Offer(ev);
            }
        }
        _subscribers.Add(sub);
        return sub;
    }

    private string[] SortedKeys()
    {
        var keys = _objects.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    /// <summary>The cached object at a key, or null (also when the cache has not caught up yet).</summary>
    public CachedObject? TryGet(string key)
    {
        lock (_lock)
        {
            return _objects.GetValueOrDefault(key);
        }
    }

    /// <summary>
    /// The cached object at a key once it is there and passes <paramref name="until"/>, looked at
    /// every 50 ms for at most <paramref name="limit"/>; null if it never does. For admission
    /// waiting a moment on what a controller is about to write.
    /// </summary>
    public async Task<CachedObject?> WaitForAsync(string key, Func<CachedObject, bool> until, TimeSpan limit, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < limit)
        {
            await Task.Delay(50, ct);
            if (TryGet(key) is { } cached && until(cached))
            {
                return cached;
            }
        }
        return null;
    }

    /// <summary>The revision the cache is current at (for bookmarks).</summary>
    public long Revision { get { lock (_lock) return _revision; } }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var start = await FillAsync(_stop.Token);
                _ready.TrySetResult();
                await foreach (var ev in _store.WatchAsync(new WatchRequest(_prefix, start + 1, ProgressNotify: true), _stop.Token))
                {
                    Apply(ev);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StorageException)
            {
                // Lost the store watch: every subscriber must start over from a fresh list.
                CloseAll();
                await Task.Delay(200, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<long> FillAsync(CancellationToken ct)
    {
        // One unpaged read of the newest state: consistent, and answered from the store's current
        // table (paging at a fixed revision would read the history log page by page).
        var fresh = new Dictionary<string, CachedObject>(StringComparer.Ordinal);
        var page = await _store.RangeAsync(RangeRequest.Prefix(_prefix), ct);
        var revision = page.Revision;
        foreach (var kv in page.Items)
        {
            fresh[kv.Key] = CachedObject.FromStored(kv.Value.Span, kv.ModRevision);
        }
        lock (_lock)
        {
            _objects.Clear();
            foreach (var (k, v) in fresh) _objects[k] = v;
            _sortedKeys = null;
            _window.Clear();
            _revision = revision;
            _lastChange = revision;
            _completeAfter = revision;
            ReleaseCaughtUpLocked();
        }
        return revision;
    }

    private void Apply(WatchEvent ev)
    {
        // Only this pump writes the cache, so the object is read from its bytes outside the lock.
        var current = ev.Type == WatchEventType.Put ? CachedObject.FromStored(ev.Kv!.Value.Span, ev.Kv.ModRevision) : null;
        lock (_lock)
        {
            if (ev.Type == WatchEventType.Progress)
            {
                _revision = Math.Max(_revision, ev.Revision);
                foreach (var sub in _subscribers) sub.Progress(ev.Revision);
                ReleaseCaughtUpLocked();
                return;
            }
            var key = ev.Kv!.Key;
            CachedEvent cached;
            if (current is null)
            {
                _objects.Remove(key, out var previous);
                var deleted = (previous ?? CachedObject.FromStored(ev.PrevKv!.Value.Span, ev.PrevKv.ModRevision)).AtRevision(ev.Revision);
                cached = new CachedEvent(ev.Revision, key, deleted, previous, isDelete: true);
                if (previous is not null) _sortedKeys = null;
            }
            else
            {
                ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_objects, key, out var existed);
                cached = new CachedEvent(ev.Revision, key, current, slot, isDelete: false);
                slot = current;
                if (!existed) _sortedKeys = null;
            }
            _revision = ev.Revision;
            _lastChange = ev.Revision;
            ReleaseCaughtUpLocked();
            _window.Enqueue(cached);
            if (_window.Count > WindowSize) _completeAfter = _window.Dequeue().Revision;
            _subscribers.RemoveAll(sub => !sub.Offer(cached));
        }
    }

    private void CloseAll()
    {
        lock (_lock)
        {
            foreach (var sub in _subscribers) sub.Close();
            _subscribers.Clear();
        }
    }

    private void Remove(Subscription sub)
    {
        lock (_lock) _subscribers.Remove(sub);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        CloseAll();
        if (_pump is not null)
        {
            try { await _pump; } catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }

    /// <summary>A client watch's feed: cached events under its prefix, and progress revisions.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly WatchCache _cache;
        private readonly string _prefix;
        private readonly Channel<(CachedEvent? Event, long Progress)> _channel =
            Channel.CreateBounded<(CachedEvent?, long)>(new BoundedChannelOptions(SubscriberBuffer) { SingleReader = true, SingleWriter = true });

        internal Subscription(WatchCache cache, string prefix)
        {
            _cache = cache;
            _prefix = prefix;
        }

        public ChannelReader<(CachedEvent? Event, long Progress)> Reader => _channel.Reader;

        /// <summary>False when the subscriber is full and has been cut off.</summary>
        internal bool Offer(CachedEvent ev)
        {
            if (!ev.Key.StartsWith(_prefix, StringComparison.Ordinal)) return true;
            if (_channel.Writer.TryWrite((ev, 0))) return true;
            _channel.Writer.TryComplete();
            return false;
        }

        internal void Progress(long revision) => _channel.Writer.TryWrite((null, revision));

        internal void Close() => _channel.Writer.TryComplete();

        public void Dispose()
        {
            _cache.Remove(this);
            _channel.Writer.TryComplete();
        }
    }
}
