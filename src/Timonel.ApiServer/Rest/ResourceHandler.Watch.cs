using System.Buffers;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;
using Timonel.Storage;

namespace Timonel.ApiServer.Rest;

public sealed partial class ResourceHandler
{
    private static readonly TimeSpan DefaultWatchTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A watch: one compact JSON event per line, flushed whenever no further event is waiting (and
    /// at least every 64 KiB), so a busy watch sends many events per TLS record. Starts after the given
    /// resourceVersion, or with synthetic ADDED events for what exists when none (or "0") is
    /// given or sendInitialEvents=true (then a BOOKMARK marks the end of them). Events come from
    /// the resource's watch cache, or from the store's history when the revision is older than
    /// the cache's window. Ends cleanly at timeoutSeconds; a compacted start is a 410 ERROR event.
    /// </summary>
    private async Task WatchAsync(HttpContext context, RequestInfo request)
    {
        var query = context.Request.Query;
        var (options, error) = ParseListOptions(query);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        if (request.Name is not null)
        {
            Api.Selectors.FieldSelector.TryParse($"metadata.name={request.Name}", out var byName, out _);
            options = options! with { Fields = byName };
        }
        var sendInitial = PathParser.IsTrue(query["sendInitialEvents"]);
        var bookmarks = PathParser.IsTrue(query["allowWatchBookmarks"]);
        if (sendInitial && options!.ResourceVersionMatch != "NotOlderThan")
        {
            await Responses.WriteErrorAsync(context, ApiError.Invalid("ListOptions", "meta.k8s.io", "", [new(CauseReasons.Forbidden, "Forbidden: sendInitialEvents is forbidden for watch unless the resourceVersionMatch is NotOlderThan", "resourceVersionMatch")]));
            return;
        }
        var timeout = long.TryParse(query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : DefaultWatchTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        cts.CancelAfter(timeout);
        var ct = cts.Token;
        var store = api.StoreFor(request.Resource);
        var cache = api.CacheFor(request.Resource);
        var prefix = store.Prefix(request.Namespace);
        var rv = options!.ResourceVersion;
        var initial = sendInitial || rv is "" or "0";
        long startAfter;
        IReadOnlyList<CachedObject> initialObjects = [];
        try
        {
            if (initial)
            {
                (initialObjects, startAfter) = await cache.SnapshotAsync(prefix, ct);
            }
            else
            {
                startAfter = long.Parse(rv, CultureInfo.InvariantCulture);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = Responses.Json;
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(ct);
        var wantsTable = tables.WantsTable(context.Request);
        var writer = new WatchWriter(context.Response, request.Resource, wantsTable ? tables : null, context.Request,
            metadataOnly: !wantsTable && PartialMetadata.Wanted(context.Request));
        try
        {
            foreach (var obj in initialObjects)
            {
                if (obj.Matches(options)) writer.WriteObject("ADDED", obj);
                if (writer.ShouldFlush) await writer.FlushAsync(ct);
            }
            if (sendInitial)
            {
                writer.WriteBookmark(startAfter, initialEventsEnd: true);
            }
            await writer.FlushAsync(ct);
            var subscription = await cache.SubscribeAsync(prefix, startAfter, ct);
            long? historyUntil = null;
            if (subscription is null)
            {
                (subscription, var until) = await cache.SubscribeFromWindowStartAsync(prefix, ct);
                historyUntil = until;
            }
            using var subscribed = subscription;
            var events = historyUntil is long last
                ? FromStoreThenCache(store.Backend, prefix, startAfter, last, subscription, ct)
                : FromCache(subscription, ct);
            await foreach (var (ev, progress) in events)
            {
                if (ev is null)
                {
                    if (bookmarks) writer.WriteBookmark(progress, initialEventsEnd: false);
                }
                else
                {
                    WriteChange(writer, ev, options);
                }
                // From the store's history (a rare, old start) every event goes out at once: the
                // next may be a whole progress interval away. From the cache, when none waits.
                if (writer.ShouldFlush || (writer.HasUnflushed && (historyUntil is not null || subscription.Reader.Count == 0)))
                {
                    await writer.FlushAsync(ct);
                }
            }
        }
        catch (CompactedException e)
        {
            writer.Write("ERROR", ApiError.Gone($"too old resource version: {startAfter} ({e.CompactedRevision})").ToStatus());
        }
        catch (WatchLaggedException)
        {
            // The client was too slow; ending the stream makes it watch again from its last revision.
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: end the stream cleanly.
        }
        try
        {
            await writer.FlushAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone.
        }
    }

    private static async IAsyncEnumerable<(CachedEvent? Event, long Progress)> FromCache(WatchCache.Subscription subscription,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in subscription.Reader.ReadAllAsync(ct))
        {
            yield return item;
        }
    }

    /// <summary>
    /// A watch from before the cache's window: the store's history up to <paramref name="historyUntil"/>,
    /// then the cache. The store part ends at the first event or progress notice past that revision,
    /// so a watch that starts a little too old (an informer that listed while the cache was filling)
    /// does not stay on a store watch of its own, parsing every write, until it times out.
    /// </summary>
    private static async IAsyncEnumerable<(CachedEvent? Event, long Progress)> FromStoreThenCache(IKeyValueStore backend, string prefix,
        long startAfter, long historyUntil, WatchCache.Subscription subscription,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (startAfter < historyUntil)
        {
            await foreach (var item in FromStore(backend, prefix, startAfter, progress: true, ct))
            {
                if (item.Event is { } ev ? ev.Revision > historyUntil : item.Progress >= historyUntil)
                {
                    break;
                }
                yield return item;
            }
        }
        await foreach (var item in FromCache(subscription, ct))
        {
            yield return item;
        }
    }

    /// <summary>Events from the store's own history, for a start older than the cache's window.</summary>
    private static async IAsyncEnumerable<(CachedEvent? Event, long Progress)> FromStore(IKeyValueStore backend, string prefix, long startAfter, bool progress,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var ev in backend.WatchAsync(new WatchRequest(prefix, startAfter + 1, ProgressNotify: progress), ct))
        {
            if (ev.Type == WatchEventType.Progress)
            {
                yield return (null, ev.Revision);
                continue;
            }
            var previous = ev.PrevKv is null ? null : CachedObject.FromStored(ev.PrevKv.Value.Span, ev.PrevKv.ModRevision, longLived: false);
            if (ev.Type == WatchEventType.Delete)
            {
                yield return (new CachedEvent(ev.Revision, ev.Kv!.Key, previous!.AtRevision(ev.Revision), previous, isDelete: true), 0);
            }
            else
            {
                yield return (new CachedEvent(ev.Revision, ev.Kv!.Key, CachedObject.FromStored(ev.Kv.Value.Span, ev.Kv.ModRevision, longLived: false), previous, isDelete: false), 0);
            }
        }
    }

    private static bool Matches(CachedObject? obj, ListOptions options) => obj is not null && obj.Matches(options);

    /// <summary>
    /// Selectors apply to both sides of a change: an object that starts matching is ADDED, one that
    /// stops matching is DELETED, as upstream's watch filtering does.
    /// </summary>
    private static void WriteChange(WatchWriter writer, CachedEvent ev, ListOptions options)
    {
        var before = Matches(ev.Previous, options);
        if (ev.IsDelete)
        {
            if (before) writer.WriteCached("DELETED", ev);
            return;
        }
        var now = Matches(ev.Current, options);
        if (now && before) writer.WriteCached("MODIFIED", ev);
        else if (now) writer.WriteCached("ADDED", ev);
        else if (before) writer.WriteCached("DELETED", ev);
    }
}

/// <summary>
/// Writes watch events as one JSON line each into the response's pipe without flushing; the
/// caller flushes (<see cref="ShouldFlush"/> bounds what waits unflushed).
/// </summary>
/// <remarks>Metadata only: each event's object is a PartialObjectMetadata.</remarks>
internal sealed class WatchWriter(HttpResponse response, Api.Scheme.ResourceInfo resource, Tables.TableWriter? tables, HttpRequest request, bool metadataOnly)
{
    private const long FlushBytes = 64 * 1024;
    private readonly CountingWriter _out = new(response.BodyWriter);

    /// <summary>Something was written since the last flush.</summary>
    public bool HasUnflushed => _out.Unflushed > 0;

    /// <summary>Enough waits unflushed that the caller should flush now.</summary>
    public bool ShouldFlush => _out.Unflushed >= FlushBytes;

    public void Write(string type, JsonObject obj)
    {
        var payload = type == "ERROR" ? obj
            : tables is not null ? tables.ForObject(resource, obj, request)
            : metadataOnly ? PartialMetadata.Of(obj)
            : obj;
        _out.Write(CachedEvent.Serialize(type, payload));
    }

    public void WriteCached(string type, CachedEvent ev)
    {
        if (tables is not null)
        {
            Write(type, ev.Current.Parse());
            return;
        }
        ev.WriteLine(_out, type, metadataOnly);
    }

    public void WriteObject(string type, CachedObject obj)
    {
        if (tables is not null)
        {
            Write(type, obj.Parse());
            return;
        }
        CachedEvent.WriteLineTo(_out, type, obj, metadataOnly);
    }

    public void WriteBookmark(long revision, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }
        var obj = new JsonObject { ["kind"] = resource.Kind, ["apiVersion"] = resource.ApiVersion, ["metadata"] = meta };
        _out.Write(CachedEvent.Serialize("BOOKMARK", obj));
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        _out.Unflushed = 0;
        await response.BodyWriter.FlushAsync(ct);
    }

    /// <summary>The response pipe, counting what was written into it since the last flush.</summary>
    private sealed class CountingWriter(IBufferWriter<byte> inner) : IBufferWriter<byte>
    {
        public long Unflushed { get; set; }

        public void Advance(int count)
        {
            Unflushed += count;
            inner.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    }
}
