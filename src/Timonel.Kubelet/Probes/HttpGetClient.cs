using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using k8s.Models;

namespace Timonel.Kubelet.Probes;

/// <summary>What a GET ended with: a response (status, the start of its body, whether a redirect was left unfollowed) or the transport's error.</summary>
public sealed record HttpGetResult(int StatusCode, string Body, string? Error)
{
    public bool Answered => Error is null;
}

/// <summary>
/// The kubelet's HTTP GET for httpGet probes and hooks, as upstream does it: certificates are not
/// verified, connections are not reused, the User-Agent is <c>kube-PURPOSE/1.35</c> and Accept
/// <c>*/*</c> unless the spec's httpHeaders set them (an empty Accept removes it), a Host header
/// becomes the request's host. Redirects are followed only while they stay on the same host, at
/// most 10; a redirect elsewhere is returned as the 3xx response itself. At most
/// <see cref="BodyLimit"/> bytes of a body are read. Thread-safe.
/// </summary>
public sealed class HttpGetClient : IDisposable
{
    /// <summary>The Kubernetes minor version Timonel speaks (kubectl v1.35), as upstream's kubelet reports it.</summary>
    public const string KubernetesVersion = "1.35";

    public const int BodyLimit = 10 * 1024;

    private const int MaxRedirects = 10;

    private readonly HttpMessageInvoker _invoker;
    private readonly TimeProvider _time;

    /// <param name="time">Measures the timeouts.</param>
    /// <param name="sockets">Where connections are made (<see cref="ProbeSockets"/>); null: the agent's own namespace.</param>
    public HttpGetClient(TimeProvider time, Func<Socket>? sockets = null)
    {
        _time = time;
        var handler = ProbeSockets.Handler(sockets);
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        handler.AutomaticDecompression = DecompressionMethods.None;
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        _invoker = new HttpMessageInvoker(handler);
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>The URL of an httpGet action: scheme (default HTTP), host (default the pod's IP), resolved port, path.</summary>
    public static Uri? UrlOf(V1HTTPGetAction action, V1Container container, string? podIp, out string? error)
    {
        var port = ContainerPorts.Resolve(action.Port, container, out error);
        if (port is null)
        {
            return null;
        }
        var host = string.IsNullOrEmpty(action.Host) ? podIp : action.Host;
        if (string.IsNullOrEmpty(host))
        {
            error = "pod has no IP yet";
            return null;
        }
        var scheme = string.IsNullOrEmpty(action.Scheme) ? "http" : action.Scheme.ToLowerInvariant();
        var path = action.Path ?? "";
        if (!path.StartsWith('/'))
        {
            path = "/" + path;
        }
        if (!Uri.TryCreate($"{scheme}://{ContainerPorts.Join(host, port.Value)}{path}", UriKind.Absolute, out var url))
        {
            error = $"invalid URL {scheme}://{ContainerPorts.Join(host, port.Value)}{path}";
            return null;
        }
        return url;
    }

    public async Task<HttpGetResult> GetAsync(Uri url, IList<V1HTTPHeader>? headers, string purpose, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        var current = url;
        for (var redirects = 0; ; redirects++)
        {
            try
            {
                using var request = NewRequest(current, headers, purpose);
                using var response = await _invoker.SendAsync(request, linked.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                var location = response.Headers.Location;
                if (status is >= 300 and < 400 && location is not null)
                {
                    var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    // Upstream's redirect checker: only same-host redirects are followed.
                    if (string.Equals(next.Host, url.Host, StringComparison.OrdinalIgnoreCase))
                    {
                        if (redirects + 1 > MaxRedirects)
                        {
                            return new HttpGetResult(0, "", $"Get \"{next}\": stopped after {MaxRedirects} redirects");
                        }
                        current = next;
                        continue;
                    }
                }
                var body = await ReadBodyAsync(response, linked.Token).ConfigureAwait(false);
                return new HttpGetResult(status, body, null);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new HttpGetResult(0, "", $"Get \"{current}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
            }
            catch (HttpRequestException e)
            {
                return new HttpGetResult(0, "", $"Get \"{current}\": {Describe(e, current)}");
            }
        }
    }

    private static HttpRequestMessage NewRequest(Uri url, IList<V1HTTPHeader>? headers, string purpose)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = HttpVersion.Version11 };
        request.Headers.ConnectionClose = true;
        var userAgentSet = false;
        var acceptSet = false;
        foreach (var header in headers ?? [])
        {
            if (string.Equals(header.Name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = header.Value;
                continue;
            }
            userAgentSet |= string.Equals(header.Name, "User-Agent", StringComparison.OrdinalIgnoreCase);
            if (string.Equals(header.Name, "Accept", StringComparison.OrdinalIgnoreCase))
            {
                acceptSet = true;
                if (string.IsNullOrEmpty(header.Value))
                {
                    continue;
                }
            }
            request.Headers.TryAddWithoutValidation(header.Name, header.Value ?? "");
        }
        if (!userAgentSet)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", $"kube-{purpose}/{KubernetesVersion}");
        }
        if (!acceptSet)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        }
        return request;
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[BodyLimit];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false)) > 0)
            {
                length += read;
            }
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    private static string Describe(HttpRequestException e, Uri url) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
            $"dial tcp {ContainerPorts.Join(url.Host.Trim('[', ']'), url.Port)}: connect: connection refused",
        SocketException s => $"dial tcp {ContainerPorts.Join(url.Host.Trim('[', ']'), url.Port)}: connect: {s.Message}",
        { } inner => inner.Message,
        null => e.Message,
    };
}
