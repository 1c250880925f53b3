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
        if (options!.Labels.IsEmpty && options.Fields.IsEmpty && options.ResourceVersion != "0" && !wantsTable)
        {
            // The common plain list: stored bytes straight to the client, nothing parsed.
            var (stored, storedError) = await api.StoreFor(request.Resource).ListStoredAsync(request.Namespace, options, context.RequestAborted);
            if (storedError is not null)
            {
                await Responses.WriteErrorAsync(context, storedError);
                return;
            }
            await Responses.WriteStoredListAsync(context, request.Resource, stored!, metadataOnly);
            return;
        }
        ListPage? page;
        if (options.ResourceVersion == "0" && options.Continue is null && options.ResourceVersionMatch != "Exact")
        {
            // "Any" revision: served from the watch cache, as upstream does (and, as upstream, without paging).
            var store = api.StoreFor(request.Resource);
            var (items, revision) = await api.CacheFor(request.Resource).SnapshotAsync(store.Prefix(request.Namespace), context.RequestAborted);
            var matching = items.Where(i => i.Matches(options)).ToList();
            if (!wantsTable)
            {
                await Responses.WriteCachedListAsync(context, request.Resource, matching, revision, metadataOnly);
                return;
            }
            page = new ListPage(matching.Select(i => i.Parse()).ToList(), revision, null, null);
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
