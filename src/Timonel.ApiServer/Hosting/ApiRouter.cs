using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Discovery;
using Timonel.ApiServer.OpenApi;
using Timonel.ApiServer.Rest;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Hosting;

/// <summary>
/// The one terminal handler: health and version without credentials; everything else needs a user,
/// then goes to discovery, OpenAPI or the resource handler.
/// </summary>
public sealed class ApiRouter(ApiContext api, Authenticator authenticator, ResourceHandler resources,
    DiscoveryDocuments discovery, OpenApiDocuments openApi, Func<bool> isReady, ClusterCertificates certificates)
{
    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 1 && segments[0] is "healthz" or "livez" or "readyz")
        {
            await HealthEndpoints.WriteAsync(context, segments, isReady);
            return;
        }
        if (path == "/cacerts")
        {
            // The cluster CA, public, so joining agents can check it against their token's hash.
            context.Response.ContentType = "application/x-pem-file";
            await context.Response.WriteAsync(certificates.CaPem, context.RequestAborted);
            return;
        }
        if (path == "/version" || path == "/version/")
        {
            await Responses.WriteJsonAsync(context, 200, VersionInfo.Document());
            return;
        }
        var user = await authenticator.AuthenticateAsync(context);
        if (user is null)
        {
            await Responses.WriteErrorAsync(context, ApiError.Unauthorized());
            return;
        }
        context.Items[typeof(UserInfo)] = user;
        if (path == NodeCredentials.Path)
        {
            await NodeCredentials.HandleAsync(context, user, certificates);
            return;
        }
        await RouteAsync(context, segments);
    }

    private async Task RouteAsync(HttpContext context, string[] s)
    {
        var get = context.Request.Method is "GET" or "HEAD";
        switch (s)
        {
            case ["api"] when get:
                await DiscoveryAsync(context, core: true, () => discovery.ApiVersions());
                return;
            case ["apis"] when get:
                await DiscoveryAsync(context, core: false, () => discovery.GroupList());
                return;
            case ["api", var v] when get:
                await WriteOrNotFound(context, discovery.ResourceList("", v));
                return;
            case ["apis", var g] when get:
                await WriteOrNotFound(context, discovery.GroupDocument(g));
                return;
            case ["apis", var g, var v] when get:
                await WriteOrNotFound(context, discovery.ResourceList(g, v));
                return;
            case ["openapi", "v3"] when get:
                await Responses.WriteJsonAsync(context, 200, openApi.Root());
                return;
            case ["openapi", "v3", ..] when get:
                await OpenApiDocumentAsync(context, string.Join('/', s[2..]));
                return;
            case ["api", var v, ..]:
                await ResourceAsync(context, "", v, s[2..]);
                return;
            case ["apis", var g, var v, ..]:
                await ResourceAsync(context, g, v, s[3..]);
                return;
        }
        await Responses.WriteErrorAsync(context, ApiError.NoSuchPath());
    }

    private async Task ResourceAsync(HttpContext context, string group, string version, string[] rest)
    {
        var watchPrefix = rest.Length > 0 && rest[0] == "watch";
        if (watchPrefix) rest = rest[1..];
        var (info, error) = PathParser.ParseResource(api.Registry, context.Request.Method, group, version, rest, watchPrefix, context.Request.Query);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        await resources.HandleAsync(context, info!);
    }

    private async Task DiscoveryAsync(HttpContext context, bool core, Func<JsonObject> legacy)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal))
        {
            var v2 = accept.Contains("v=v2;", StringComparison.Ordinal) || accept.Contains("v=v2,", StringComparison.Ordinal) || accept.EndsWith("v=v2", StringComparison.Ordinal)
                || !accept.Contains("v=v2beta1", StringComparison.Ordinal);
            var version = v2 ? "v2" : "v2beta1";
            await Responses.WriteJsonAsync(context, 200, discovery.Aggregated(core, version));
            context.Response.ContentType = v2 ? DiscoveryDocuments.AggregatedV2 : DiscoveryDocuments.AggregatedV2Beta1;
            return;
        }
        await Responses.WriteJsonAsync(context, 200, legacy());
    }

    private async Task OpenApiDocumentAsync(HttpContext context, string path)
    {
        if (!await openApi.WriteAsync(context, path))
        {
            await Responses.WriteErrorAsync(context, ApiError.NoSuchPath());
        }
    }

    private static Task WriteOrNotFound(HttpContext context, JsonObject? doc) => doc is null
        ? Responses.WriteErrorAsync(context, ApiError.NoSuchPath())
        : Responses.WriteJsonAsync(context, 200, doc);
}
