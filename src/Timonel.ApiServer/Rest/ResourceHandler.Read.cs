using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

public sealed partial class ResourceHandler
{
    private async Task GetAsync(HttpContext context, RequestInfo request)
    {
        if (podStreams is not null && request.Resource.Plural == "pods" && request.Subresource is "log" or "exec" or "attach" or "portforward")
        {
            await (request.Subresource switch
            {
                "log" => podStreams.LogsAsync(context, request.Namespace!, request.Name!),
                "portforward" => podStreams.PortForward.ServeAsync(context, request.Namespace!, request.Name!),
                var verb => podStreams.StreamAsync(context, request.Namespace!, request.Name!, attach: verb == "attach"),
            });
            return;
        }
        if (request.Subresource is "log" or "exec" or "attach" or "portforward" or "proxy" or "eviction" or "binding")
        {
            await Responses.WriteErrorAsync(context, new ApiError(503, "ServiceUnavailable", $"the {request.Subresource} subresource needs a node agent, which is not connected"));
            return;
        }
        var (obj, error) = await api.StoreFor(request.Resource).GetAsync(request.Namespace, request.Name!, context.RequestAborted);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        if (request.Subresource == "scale")
        {
            await Responses.WriteJsonAsync(context, 200, Scale.From(obj!, request.Resource));
            return;
        }
        await WriteObjectAsync(context, 200, obj!, request);
    }

    private async Task ListAsync(HttpContext context, RequestInfo request)
    {
        var (options, error) = ParseListOptions(context.Request.Query);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var wantsTable = tables.WantsTable(context.Request);
        var metadataOnly = !wantsTable && PartialMetadata.Wanted(context.Request);
        ListPage? page;
        if (await ListFromCacheAsync(request, options!, context.RequestAborted) is { } cached)
        {
            if (!wantsTable)
            {
                await Responses.WriteCachedListAsync(context, request.Resource, cached, metadataOnly);
                return;
            }
            page = new ListPage(cached.Items.Select(i => i.Parse()).ToList(), cached.Revision, cached.Continue, cached.RemainingItemCount);
        }
        else if (options!.Labels.IsEmpty && options.Fields.IsEmpty && !wantsTable)
        {
            // The plain list the cache cannot answer: stored bytes straight to the client, nothing parsed.
            var (stored, storedError) = await api.StoreFor(request.Resource).ListStoredAsync(request.Namespace, options, context.RequestAborted);
            if (storedError is not null)
            {
                await Responses.WriteErrorAsync(context, storedError);
                return;
            }
            await Responses.WriteStoredListAsync(context, request.Resource, stored!, metadataOnly);
            return;
        }
        else
        {
            (page, var listError) = await api.StoreFor(request.Resource).ListAsync(request.Namespace, options, context.RequestAborted);
            if (listError is not null)
            {
                await Responses.WriteErrorAsync(context, listError);
                return;
            }
        }
        if (wantsTable)
        {
            await Responses.WriteJsonAsync(context, 200, tables.ForList(request.Resource, page!, context.Request));
            return;
        }
        if (metadataOnly)
        {
            await Responses.WriteJsonAsync(context, 200, PartialMetadata.ListOf(page!));
            return;
        }
        await Responses.WriteListAsync(context, request.Resource, page!);
    }

    /// <summary>
    /// A list the watch cache answers, as upstream's does: at resourceVersion "0" whatever it holds
    /// (unpaged, as upstream); without a resourceVersion, or with one to be not older than, once it
    /// holds every change up to the store's current revision (or that one). Such a list is paged
    /// from the cache; a later page too while no object of the resource changed since the first
    /// (else the store answers at the first page's revision). Null: read the store.
    /// </summary>
    private async Task<Page<CachedObject>?> ListFromCacheAsync(RequestInfo request, ListOptions options, CancellationToken ct)
    {
        var store = api.StoreFor(request.Resource);
        var cache = api.CacheFor(request.Resource);
        var prefix = store.Prefix(request.Namespace);
        if (options.Continue is not null)
        {
            // A later page: from the cache while nothing of this resource changed since the first.
            var token = ContinueToken.TryDecode(options.Continue);
            return token is null || !token.StartKey.StartsWith(prefix, StringComparison.Ordinal)
                || await cache.SnapshotAtAsync(prefix, token.Revision, token.StartKey, ct) is not { } rest
                ? null
                : Paged(rest, token.Revision, options, store);
        }
        if (options.ResourceVersionMatch == "Exact")
        {
            return null;
        }
        if (options.ResourceVersion == "0")
        {
            var (all, revision) = await cache.SnapshotAsync(prefix, ct);
            return new Page<CachedObject>(all.Where(i => i.Matches(options)).ToList(), revision, null, null);
        }
        var minRevision = options.ResourceVersion.Length > 0 ? long.Parse(options.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return await cache.FreshSnapshotAsync(prefix, minRevision, ct) is { } fresh ? Paged(fresh.Items, fresh.Revision, options, store) : null;
    }

    /// <summary>The selected objects up to the limit, with a continue token after the last one when more remain.</summary>
    private static Page<CachedObject> Paged(IReadOnlyList<CachedObject> items, long revision, ListOptions options, ObjectStore store)
    {
        var matching = items.Where(i => i.Matches(options)).ToList();
        if (options.Limit <= 0 || matching.Count <= options.Limit)
        {
            return new Page<CachedObject>(matching, revision, null, null);
        }
        var page = matching.GetRange(0, options.Limit);
        var last = page[^1];
        var token = new ContinueToken(revision, store.Key(last.Namespace, last.Name)).Encode();
        var selective = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
        return new Page<CachedObject>(page, revision, token, selective ? null : matching.Count - options.Limit);
    }

    internal static (ListOptions? Options, ApiError? Error) ParseListOptions(IQueryCollection query)
    {
        if (!LabelSelector.TryParse(query["labelSelector"], out var labels, out var labelError))
        {
            return (null, ApiError.BadRequest(labelError!));
        }
        if (!FieldSelector.TryParse(query["fieldSelector"], out var fields, out var fieldError))
        {
            return (null, ApiError.BadRequest(fieldError!));
        }
        var limit = 0;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit < 0))
        {
            return (null, ApiError.BadRequest($"invalid limit: {l}"));
        }
        var rv = query["resourceVersion"].ToString();
        if (rv.Length > 0 && !long.TryParse(rv, out _))
        {
            return (null, ApiError.BadRequest($"invalid resource version: {rv}"));
        }
        var match = query["resourceVersionMatch"].ToString();
        if (match is not ("" or "NotOlderThan" or "Exact"))
        {
            return (null, ApiError.BadRequest($"unsupported resourceVersionMatch: {match}"));
        }
        return (new ListOptions
        {
            Labels = labels,
            Fields = fields,
            Limit = limit,
            Continue = query["continue"].ToString() is { Length: > 0 } c ? c : null,
            ResourceVersion = rv,
            ResourceVersionMatch = match,
        }, null);
    }
}
