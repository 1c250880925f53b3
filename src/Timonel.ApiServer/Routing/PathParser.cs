using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.Routing;

/// <summary>
/// Parses <c>/api/v1/...</c> and <c>/apis/GROUP/VERSION/...</c> resource paths:
/// <c>[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]</c>, and the legacy <c>/watch/</c> prefix.
/// </summary>
public static class PathParser
{
    /// <summary>Parses the segments after the group-version prefix.</summary>
    public static (RequestInfo? Info, ApiError? Error) ParseResource(ResourceRegistry registry, string method,
        string group, string version, ReadOnlySpan<string> rest, bool watchPrefix, IQueryCollection query)
    {
        string? ns = null;
        if (rest.Length == 3 && rest[0] == "namespaces" && group.Length == 0 && rest[2] is "status" or "finalize")
        {
            // /api/v1/namespaces/NAME/status|finalize: a subresource of the namespace itself.
        }
        else if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }
        else if (rest.Length == 2 && rest[0] == "namespaces")
        {
            // GET /api/v1/namespaces/NAME: the namespace object itself.
        }
        if (rest.Length == 0)
        {
            return (null, ApiError.NotFound("", ""));
        }
        var resource = registry.Find(group, version, rest[0]);
        if (resource is null)
        {
            return (null, ApiError.NoSuchPath());
        }
        var name = rest.Length > 1 ? rest[1] : null;
        var sub = rest.Length > 2 ? rest[2] : null;
        if (rest.Length > 3 && sub != "proxy")
        {
            return (null, ApiError.NoSuchPath());
        }
        if (sub is not null && !resource.Subresources.Contains(sub))
        {
            return (null, ApiError.NoSuchPath());
        }
        if (!resource.Namespaced && ns is not null)
        {
            return (null, ApiError.NoSuchPath());
        }
        var isWatch = watchPrefix || IsTrue(query["watch"]);
        Verb? verb = method switch
        {
            // A proxied request's method and query are the pod's (a "watch" parameter too).
            "GET" or "HEAD" or "OPTIONS" when sub == "proxy" => Verb.Get,
            "GET" when name is null => isWatch ? Verb.Watch : Verb.List,
            "GET" when isWatch => Verb.Watch,
            "GET" => Verb.Get,
            "POST" when name is null || sub is not null => Verb.Create,
            "PUT" when name is not null => Verb.Update,
            "PATCH" when name is not null => Verb.Patch,
            "DELETE" when name is null => Verb.DeleteCollection,
            "DELETE" => Verb.Delete,
            _ => null,
        };
        if (verb is null)
        {
            return (null, ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource"));
        }
        return (new RequestInfo(verb.Value, resource, ns, name, sub), null);
    }

    public static bool IsTrue(string? value) => value is "true" or "1" or "True";
}
