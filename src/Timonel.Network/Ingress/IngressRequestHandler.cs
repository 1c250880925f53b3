using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Network.Ingress;

/// <summary>
/// Serves one request: route → backend pool → forward with YARP's <see cref="IHttpForwarder"/>
/// to the pool's next endpoint (round-robin). 404 without a matching rule or default backend,
/// 503 when the backend has no ready endpoint. When the connection to an endpoint cannot be
/// made (refused, unreachable, connect timeout), the request is sent to the next endpoint, up to
/// <see cref="IngressOptions.MaxAttempts"/>: nothing reached that endpoint and nothing was sent
/// to the client, and the request body has not been read (a body is streamed only once a
/// connection exists; <see cref="UntouchedBody"/> makes sure), so a retry is safe even for
/// requests with a body. A failure before any response header is retried too for idempotent
/// methods whose body (if any) was not read; anything else is not: the endpoint may have acted.
/// </summary>
internal sealed class IngressRequestHandler
{
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        // Pods speak plain HTTP/1.1 (h2c would need prior knowledge of each backend).
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private readonly Func<IngressRouteTable> _table;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly int _maxAttempts;
    private readonly ILogger _logger;

    public IngressRequestHandler(Func<IngressRouteTable> table, IHttpForwarder forwarder, HttpMessageInvoker client, int maxAttempts, ILogger logger)
    {
        _table = table;
        _forwarder = forwarder;
        _client = client;
        _maxAttempts = Math.Max(1, maxAttempts);
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var route = _table().Resolve(context.Request.Host.Host, context.Request.Path.Value ?? "/");
        if (route.Backend is not { } pool)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var destinations = pool.Destinations;
        if (destinations.Count == 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        UntouchedBody? body = null;
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            body = new UntouchedBody(context.Request.Body);
            context.Request.Body = body;
        }
        var start = pool.NextStart();
        var attempts = Math.Min(destinations.Count, _maxAttempts);
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var destination = destinations[(start + attempt) % destinations.Count];
            var error = await _forwarder.SendAsync(context, destination, _client, RequestConfig, ForwardedHeadersTransformer.Instance).ConfigureAwait(false);
            if (error == ForwarderError.None)
            {
                return;
            }
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            if (attempt + 1 < attempts && CanRetry(context.Request.Method, error, exception) && !context.Response.HasStarted && body?.Touched != true)
            {
                IngressLog.Retrying(_logger, destination, pool.ToString(), exception?.Message ?? error.ToString());
                // Back to a blank 200 so the forwarder accepts the request again.
                context.Response.Clear();
                context.Features.Set<IForwarderErrorFeature>(null);
                continue;
            }
            IngressLog.ForwardFailed(_logger, destination, pool.ToString(), error.ToString(), exception?.Message ?? "");
            return;
        }
    }

    /// <summary>
    /// Whether another endpoint may get the request: always when the connection could not be made
    /// (nothing was sent); for idempotent methods also when the endpoint failed before any response
    /// header (e.g. a pod killed with the request in flight, its connection reset), as nginx's
    /// proxy_next_upstream does by default.
    /// </summary>
    internal static bool CanRetry(string method, ForwarderError error, Exception? exception) =>
        error == ForwarderError.Request
        && (exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } || IsIdempotent(method));

    private static bool IsIdempotent(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) || HttpMethods.IsTrace(method);

    /// <summary>
    /// The client the forwarder sends with: no proxy, no redirects, no cookies, no decompression
    /// (the response passes through as it is), no trace propagation, and a connect step with its own timeout whose
    /// failure surfaces as a connection error (so a silent endpoint is retried like a refusing one).
    /// </summary>
    public static HttpMessageInvoker CreateClient(TimeSpan connectTimeout) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        // Trace headers pass through as the client sent them; no per-request Activity work here.
        ActivityHeadersPropagator = null,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, connectTimeout, ct),
    }, disposeHandler: true);

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, TimeSpan timeout, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endpoint, limit.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
