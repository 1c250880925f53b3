using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Pods;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// <c>/podProxy/{ns}/{pod}/{uid}/{scheme}/{port}[/{path}]</c>: the hop on a pod's node for the API
/// server's pods/proxy and services/proxy, since the agent is on the pod network and the API server
/// need not be. Only this node's pods are reachable (the pod workers know their addresses; another
/// name or uid is a 404), so the agent relays to nothing else. The request goes to
/// <c>scheme://podIP:port/path?query</c> with YARP (upgrades such as WebSockets included) and the
/// pod's answer streams back unchanged. When the pod cannot be reached, the answer is the agent's
/// own, marked with <see cref="ErrorHeader"/> so the API server can tell it from the pod's.
/// </summary>
internal sealed class PodProxyEndpoint(IContainerLocator locator, IHttpForwarder forwarder, ILogger logger) : IDisposable
{
    /// <summary>On the agent's own error answers (the text is the message).</summary>
    public const string ErrorHeader = "X-Timonel-Proxy-Error";

    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = TimeSpan.FromMinutes(5),
    };

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        // A pod's https port serves a certificate of its own making, as upstream's proxy accepts.
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    }, disposeHandler: true);

    public async Task ServeAsync(HttpContext context, string ns, string pod, string uid, string scheme, string port)
    {
        if (scheme is not ("http" or "https")
            || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            await WriteErrorAsync(context, 400, $"invalid proxy target \"{scheme}:{port}\"");
            return;
        }
        var ip = locator.FindPodIp(ns, pod, uid);
        if (ip is null)
        {
            await WriteErrorAsync(context, 404, $"pod \"{pod}\" (uid {uid}) has no address on this node");
            return;
        }
        var host = IPAddress.TryParse(ip, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip;
        var address = $"{host}:{number}";
        var destination = $"{scheme}://{address}";
        var error = await forwarder.SendAsync(context, destination, _client, RequestConfig, new Transformer(PathAfterTarget(context)));
        if (error == ForwarderError.None)
        {
            return;
        }
        var cause = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        logger.LogInformation("proxy to {Destination} for pod {Namespace}/{Pod}: {Error} {Cause}", destination, ns, pod, error, cause?.Message);
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await WriteErrorAsync(context, 503, $"error trying to reach service: {Describe(cause, address)}");
        }
    }

    /// <summary>The request's path after <c>/podProxy/ns/pod/uid/scheme/port</c>, still escaped as the client sent it ("" or "/...").</summary>
    internal static string PathAfterTarget(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        var at = 0;
        for (var slash = 0; slash < 7; slash++)
        {
            at = path.IndexOf('/', at) + 1;
            if (at == 0) return "";
        }
        return path[(at - 1)..];
    }

    /// <summary>As upstream words it: <c>dial tcp 10.42.0.3:81: connect: connection refused</c>.</summary>
    private static string Describe(Exception? cause, string address)
    {
        var inner = cause;
        while (inner?.InnerException is not null && inner is not SocketException) inner = inner.InnerException;
        return inner switch
        {
            null => $"no answer from {address}",
            SocketException socket => $"dial tcp {address}: connect: {socket.Message.ToLowerInvariant()}",
            _ => $"{address}: {inner.Message}",
        };
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.Headers[ErrorHeader] = "1";
        return KubeletEndpoints.WriteTextAsync(context, status, message);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The request as YARP copies it, to the pod's own path, with the pod's address as its Host.</summary>
    private sealed class Transformer(string path) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + (path.Length == 0 ? "/" : path) + httpContext.Request.QueryString.Value);
            proxyRequest.Headers.Host = null;
        }
    }
}
