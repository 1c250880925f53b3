using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Timonel.Api.Errors;
using Timonel.ApiServer.Rest;
using Timonel.ApiServer.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// pods/proxy and services/proxy (<c>.../pods/[scheme:]NAME[:PORT]/proxy/PATH</c>, any method):
/// the request, less the client's credentials, goes to the pod's agent
/// (<c>/podProxy/NS/POD/UID/SCHEME/PORT/PATH</c>), which is on the pod network and forwards it to
/// the pod; the answer streams back, upgrades (WebSockets) included. As upstream: a bare
/// <c>.../proxy</c> is redirected to <c>.../proxy/</c>, and a redirect from the pod to one of its
/// own paths comes back under the proxy path. A pod that cannot be reached is a 503 Status
/// ("error trying to reach service"). Links inside HTML pages are not rewritten.
/// </summary>
public sealed class PodHttpProxy(ProxyTargets targets, KubeletConnections agents, IHttpForwarder forwarder)
{
    /// <summary>The agent's mark on its own error answers (see the agent's PodProxyEndpoint).</summary>
    public const string AgentErrorHeader = "X-Timonel-Proxy-Error";

    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = TimeSpan.FromMinutes(5),
    };

    public async Task ServeAsync(HttpContext context, RequestInfo request)
    {
        var (prefix, rest) = SplitAtProxy(RawPath(context), request);
        if (rest.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = prefix + "/" + context.Request.QueryString.Value;
            return;
        }
        var ct = context.RequestAborted;
        var (target, error) = request.Resource.Plural == "pods"
            ? await targets.ForPodAsync(request.Namespace!, request.Name!, ct)
            : await targets.ForServiceAsync(request.Namespace!, request.Name!, ct);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var agent = target!.Pod.Agent;
        var agentPath = $"/podProxy/{PodStreamProxy.Segment(target.Pod.Namespace)}/{PodStreamProxy.Segment(target.Pod.Pod)}/" +
                        $"{PodStreamProxy.Segment(target.Uid)}/{target.Scheme}/{target.Port}{rest}";
        var destination = $"{agent.Scheme}://{agent.Authority}";
        var result = await forwarder.SendAsync(context, destination, agents.Forwarding, RequestConfig, new Transformer(agentPath, prefix));
        if (result != ForwarderError.None && !context.Response.HasStarted)
        {
            var cause = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            context.Response.Clear();
            await Responses.WriteErrorAsync(context, ApiError.Unavailable($"error trying to reach the node agent of pod {target.Pod.Pod}: {cause?.Message ?? result.ToString()}"));
        }
    }

    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return context.Request.PathBase + context.Request.Path;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? raw : raw[..query];
    }

    /// <summary>
    /// The client's path up to and including the <c>proxy</c> segment, and what follows it as the
    /// client escaped it ("" when nothing, else starting with "/").
    /// </summary>
    internal static (string Prefix, string Remainder) SplitAtProxy(string path, RequestInfo request)
    {
        // .../{plural}/{name}/proxy: the first "proxy" segment two after the resource's plural.
        var segments = path.Split('/');
        var length = 0;
        for (var i = 0; i < segments.Length; i++)
        {
            length += segments[i].Length + (i > 0 ? 1 : 0);
            if (segments[i] == "proxy" && i >= 2 && segments[i - 2] == request.Resource.Plural)
            {
                return (path[..length], path[length..]);
            }
        }
        return (path, "");
    }

    /// <summary>
    /// The request as YARP copies it, to the agent's path, without the client's credentials (the
    /// API server authenticated them; they are not the pod's business), Host from the agent; a
    /// redirect from the pod to one of its own paths is answered under the proxy prefix.
    /// </summary>
    private sealed class Transformer(string agentPath, string prefix) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + agentPath + httpContext.Request.QueryString.Value);
            proxyRequest.Headers.Host = null;
            proxyRequest.Headers.Authorization = null;
            proxyRequest.Headers.Remove("Impersonate-User");
            proxyRequest.Headers.Remove("Impersonate-Group");
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            if (proxyResponse is not null && proxyResponse.Headers.Contains(AgentErrorHeader))
            {
                var message = (await proxyResponse.Content.ReadAsStringAsync(cancellationToken)).Trim();
                var status = (int)proxyResponse.StatusCode;
                // Not found on the node or not reachable there: the pod is unavailable, as upstream says.
                await Responses.WriteErrorAsync(httpContext, status is 404 or 503 ? ApiError.Unavailable(message) : PodStreamProxy.FromAgent(status, message));
                return false;
            }
            var copied = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse?.Headers.Location is { } location && !location.IsAbsoluteUri && location.OriginalString.StartsWith('/'))
            {
                httpContext.Response.Headers.Location = prefix + location.OriginalString;
            }
            return copied;
        }
    }
}
