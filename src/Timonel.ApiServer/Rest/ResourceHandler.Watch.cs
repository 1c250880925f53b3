using System.Globalization;
using System.Text.Json;
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
    /// A watch: one compact JSON event per line, flushed per event. Starts after the given
    /// resourceVersion, or with synthetic ADDED events for what exists when none (or "0") is
    /// given or sendInitialEvents=true (then a BOOKMARK marks the end of them). Ends cleanly at
    /// timeoutSeconds; a compacted start is a 410 ERROR event.
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
            options = options! with { Fields = ParseField($"metadata.name={request.Name}") };
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
        var table = tables.WantsTable(context.Request);
        var store = api.StoreFor(request.Resource);
        var rv = options!.ResourceVersion;
        var initial = sendInitial || rv is "" or "0";
        long startAfter;
        List<JsonObject> initialObjects = [];
        if (initial)
        {
            var (page, listError) = await store.ListAsync(request.Namespace, options with { Limit = 0, Continue = null, ResourceVersion = "", ResourceVersionMatch = "" }, ct);
            if (listError is not null)
            {
                await Responses.WriteErrorAsync(context, listError);
                return;
            }
            initialObjects = page!.Items.ToList();
            startAfter = page.Revision;
        }
        else
        {
            startAfter = long.Parse(rv, CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = Responses.Json;
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(ct);
        var writer = new WatchWriter(context.Response, request.Resource, table ? tables : null, context.Request);
        try
        {
            foreach (var obj in initialObjects)
            {
                await writer.WriteAsync("ADDED", obj, ct);
            }
            if (sendInitial)
            {
                await writer.WriteBookmarkAsync(startAfter, initialEventsEnd: true, ct);
            }
            await writer.FlushAsync(ct);
            await foreach (var ev in store.Backend.WatchAsync(new WatchRequest(store.Prefix(request.Namespace), startAfter + 1, ProgressNotify: bookmarks), ct))
            {
                if (ev.Type == WatchEventType.Progress)
                {
                    if (bookmarks) await writer.WriteBookmarkAsync(ev.Revision, initialEventsEnd: false, ct);
                }
                else
                {
                    await WriteChangeAsync(writer, ev, options, ct);
                }
                await writer.FlushAsync(ct);
            }
        }
        catch (CompactedException e)
        {
            await writer.WriteAsync("ERROR", ApiError.Gone($"too old resource version: {startAfter} ({e.CompactedRevision})").ToStatus(), CancellationToken.None);
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

    /// <summary>
    /// Selectors apply to both sides of a change: an object that starts matching is ADDED, one that
    /// stops matching is DELETED, as upstream's watch filtering does.
    /// </summary>
    private static async Task WriteChangeAsync(WatchWriter writer, WatchEvent ev, ListOptions options, CancellationToken ct)
    {
        var current = ev.Type == WatchEventType.Put ? ObjectCodec.Decode(ev.Kv!) : null;
        JsonObject? previous = null;
        if (ev.PrevKv is not null)
        {
            previous = ObjectCodec.Decode(ev.PrevKv);
        }
        bool Matches(JsonObject? o) => o is not null && options.Labels.Matches(ObjectMeta.Labels(o)) && options.Fields.Matches(o);
        var now = Matches(current);
        var before = Matches(previous);
        if (ev.Type == WatchEventType.Delete)
        {
            if (before)
            {
                ObjectCodec.SetResourceVersion(previous!, ev.Revision);
                await writer.WriteAsync("DELETED", previous!, ct);
            }
            return;
        }
        if (now && before) await writer.WriteAsync("MODIFIED", current!, ct);
        else if (now) await writer.WriteAsync("ADDED", current!, ct);
        else if (before)
        {
            ObjectCodec.SetResourceVersion(current!, ev.Revision);
            await writer.WriteAsync("DELETED", current!, ct);
        }
    }

    private static Api.Selectors.FieldSelector ParseField(string text)
    {
        Api.Selectors.FieldSelector.TryParse(text, out var selector, out _);
        return selector;
    }
}

/// <summary>Writes watch events as one JSON line each.</summary>
internal sealed class WatchWriter(HttpResponse response, Api.Scheme.ResourceInfo resource, Tables.TableWriter? tables, HttpRequest request)
{
    private static readonly ReadOnlyMemory<byte> Newline = "\n"u8.ToArray();
    private readonly Stream _body = response.Body;

    public Task WriteAsync(string type, JsonObject obj, CancellationToken ct) =>
        WriteRawAsync(type, tables is not null && type != "ERROR" ? tables.ForObject(resource, obj, request) : obj, ct);

    public Task WriteBookmarkAsync(long revision, bool initialEventsEnd, CancellationToken ct)
    {
        var meta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }
        var obj = new JsonObject { ["kind"] = resource.Kind, ["apiVersion"] = resource.ApiVersion, ["metadata"] = meta };
        return WriteRawAsync("BOOKMARK", obj, ct);
    }

    /// <summary>Writes <c>{"type":T,"object":O}</c> and a newline without copying the object.</summary>
    private async Task WriteRawAsync(string type, JsonObject obj, CancellationToken ct)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonBytes.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }
        await _body.WriteAsync(buffer.WrittenMemory, ct);
        await _body.WriteAsync(Newline, ct);
    }

    public Task FlushAsync(CancellationToken ct) => _body.FlushAsync(ct);
}
