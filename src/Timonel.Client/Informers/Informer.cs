using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;

namespace Timonel.Client.Informers;

/// <summary>
/// List + watch of one type into an <see cref="InformerCache{T}"/>. States:
/// Listing (paged list, then the cache is replaced: adds, updates for changed revisions, deletes
/// with finalStateUnknown for keys that vanished) → Watching (from the list's revision, with
/// bookmarks; a watch that ends normally is reopened from the last revision seen) → back to
/// Listing on 410 Gone or any other watch error, or after a connection failure and a backoff
/// (0.8 s doubling to 30 s, reset by a watch that delivered events). HasSynced turns true after
/// the first Listing and stays true.
/// </summary>
internal sealed partial class Informer<T> : IInformer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private const int PageSize = 500;
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly InformerSource<T> _source;
    private readonly string? _namespace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _resyncPeriod;
    private readonly string? _fieldSelector;
    private readonly string _resource;
    private readonly InformerCache<T> _cache = new();
    private readonly List<HandlerListener<T>> _listeners = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Informer(InformerSource<T> source, string? ns, TimeProvider time, ILogger logger, TimeSpan resyncPeriod, string? fieldSelector = null)
    {
        _source = source;
        _namespace = ns;
        _time = time;
        _logger = logger;
        _resyncPeriod = resyncPeriod;
        _fieldSelector = fieldSelector;
        _resource = source.Resource;
    }

    public ILister<T> Lister => _cache;

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The revision the cache reflects (the list's, then each watch event's).</summary>
    public string? LastResourceVersion { get; private set; }

    public Task WaitForCacheSyncAsync(CancellationToken ct = default) => _synced.Task.WaitAsync(ct);

    public void AddIndex(string name, Func<T, IEnumerable<string>> indexFunction) => _cache.AddIndex(name, indexFunction);

    public void AddEventHandler(IResourceEventHandler<T> handler)
    {
        var listener = new HandlerListener<T>(handler, _logger, _resource);
        lock (_cache.Sync)
        {
            foreach (var (_, obj) in _cache.Snapshot())
            {
                listener.Added(obj);
            }
            _listeners.Add(listener);
        }
    }

    /// <summary>Runs until ct is cancelled; then stops the handlers' queues.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var resync = _resyncPeriod > TimeSpan.Zero ? ResyncLoopAsync(ct) : Task.CompletedTask;
        try
        {
            await ReflectAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping.
        }
        await resync.ConfigureAwait(false);
        lock (_cache.Sync)
        {
            foreach (var l in _listeners)
            {
                l.Stop();
            }
        }
    }

    private async Task ReflectAsync(CancellationToken ct)
    {
        var backoff = MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var listed = await ListAndReplaceAsync(ct).ConfigureAwait(false);
                if (listed is null)
                {
                    delay = backoff;
                }
                else
                {
                    // A list that worked means the server is back: a watch that breaks after it
                    // (e.g. the server crashed again) waits the shortest delay, not a doubled one.
                    backoff = MinBackoff;
                    var (failure, _) = await WatchUntilRelistAsync(listed, ct).ConfigureAwait(false);
                    // A 410 relists at once: the cache is merely behind, the server is fine.
                    if (failure is null)
                    {
                        continue;
                    }
                    InformerLog.CallFailed(_logger, _resource, "watch", failure, backoff);
                    delay = backoff;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException
                || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                InformerLog.ConnectionFailed(_logger, _resource, backoff, e);
                delay = backoff;
            }
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>Returns the list's revision, or null when the server refused the list (logged).</summary>
    private async Task<string?> ListAndReplaceAsync(CancellationToken ct)
    {
        var items = new List<T>();
        string? continueToken = null;
        string? revision = null;
        do
        {
            var page = await _source.List(_namespace, new ListOptions { Limit = PageSize, Continue = continueToken, FieldSelector = _fieldSelector }, ct).ConfigureAwait(false);
            if (!page.Ok)
            {
                InformerLog.CallFailed(_logger, _resource, "list", page.ToString(), MinBackoff);
                return null;
            }
            items.AddRange(page.Value!.Items);
            revision ??= page.Value.Metadata?.ResourceVersion;
            continueToken = page.Value.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));
        Replace(items);
        LastResourceVersion = revision ?? "0";
        InformerLog.Listed(_logger, _resource, items.Count, LastResourceVersion);
        _synced.TrySetResult();
        return LastResourceVersion;
    }

    private void Replace(List<T> items)
    {
        var seen = new HashSet<string>(items.Count, StringComparer.Ordinal);
        lock (_cache.Sync)
        {
            foreach (var obj in items)
            {
                var key = InformerCache<T>.KeyOf(obj);
                seen.Add(key);
                var old = _cache.Upsert(key, obj);
                if (old is null)
                {
                    Notify(l => l.Added(obj));
                }
                else if (old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion)
                {
                    Notify(l => l.Updated(old, obj));
                }
            }
            foreach (var (key, _) in _cache.Snapshot())
            {
                if (!seen.Contains(key) && _cache.Remove(key) is { } gone)
                {
                    Notify(l => l.Deleted(gone, true));
                }
            }
        }
    }

    // Caller holds the cache lock.
    private void Notify(Action<HandlerListener<T>> send)
    {
        foreach (var l in _listeners)
        {
            send(l);
        }
    }
}
