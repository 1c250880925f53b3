using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// Serves the REST verbs of every resource, generically: objects are JSON, the resource's
/// <see cref="Timonel.Api.Scheme.ResourceInfo"/> and strategy say what is particular.
/// Split by verb over several files.
/// </summary>
/// <param name="podStreams">pods/log, exec, attach, portforward and proxy, services/proxy, through the pod's node agent; null: answered 503.</param>
/// <param name="serviceAccountTokens">Issues serviceaccounts/token; null: answered 503.</param>
public sealed partial class ResourceHandler(ApiContext api, Tables.TableWriter tables, Security.IAuthorizer authorizer,
    Proxy.PodStreamProxy? podStreams = null, Security.ServiceAccountTokens? serviceAccountTokens = null)
{
    public Task HandleAsync(HttpContext context, RequestInfo request) => request.Resource.IsVirtual
        ? Reviews.HandleAsync(context, request, authorizer)
        : podStreams is not null && request.Subresource == "proxy" && request.Resource.Plural is "pods" or "services"
        ? podStreams.Http.ServeAsync(context, request)
        : request.Verb switch
    {
        Verb.Get => GetAsync(context, request),
        Verb.List => ListAsync(context, request),
        Verb.Watch => WatchAsync(context, request),
        Verb.Create => CreateAsync(context, request),
        Verb.Update => UpdateAsync(context, request),
        Verb.Patch => PatchAsync(context, request),
        Verb.Delete => DeleteAsync(context, request),
        Verb.DeleteCollection => DeleteCollectionAsync(context, request),
        _ => Responses.WriteErrorAsync(context, ApiError.MethodNotAllowed("unsupported verb")),
    };

    private static bool IsDryRun(HttpContext context) => context.Request.Query["dryRun"].Count > 0;

    /// <summary>New objects may only go into a namespace that exists and is not being deleted.</summary>
    private async Task<ApiError?> CheckNamespaceAcceptsCreatesAsync(string? ns, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return null;
        }
        // The namespaces' watch cache answers almost always; a namespace created a moment ago may
        // not have reached it yet, so a miss is checked against the store.
        // Read from the cached selector fields, not a parse of the namespace on every create.
        var cache = api.CacheFor(api.Namespaces.Resource);
        await cache.ReadyAsync(ct);
        bool deleting;
        if (cache.TryGet(api.Namespaces.Key(null, ns)) is { } cached)
        {
            deleting = cached.Fields.TryGet("metadata.deletionTimestamp", out var since) && since.Length > 0;
        }
        else if ((await api.Namespaces.GetAsync(null, ns, ct)).Object is { } stored)
        {
            deleting = ObjectMeta.IsDeleting(stored);
        }
        else
        {
            return ApiError.NotFound("namespaces", ns);
        }
        if (deleting)
        {
            return new ApiError(403, "Forbidden", $"unable to create new content in namespace {ns} because it is being terminated")
            { Name = ns, Kind = "namespaces" };
        }
        return null;
    }

    private Task WriteObjectAsync(HttpContext context, int status, JsonObject obj, RequestInfo request) =>
        Responses.WriteJsonAsync(context, status,
            tables.WantsTable(context.Request) ? tables.ForObject(request.Resource, obj, context.Request)
            : PartialMetadata.Wanted(context.Request) ? PartialMetadata.Of(obj)
            : obj);
}
