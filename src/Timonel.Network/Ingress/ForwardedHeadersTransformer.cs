using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Timonel.Network.Ingress;

/// <summary>
/// Copies the request as YARP's base transformer does (keeping the client's Host, which virtual
/// hosts behind the ingress rely on) and sets X-Forwarded-For/-Proto/-Host/-Port. The ingress
/// is the cluster's edge, so values a client sent in these headers are replaced, not trusted.
/// </summary>
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public static readonly ForwardedHeadersTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        var headers = proxyRequest.Headers;
        var request = httpContext.Request;
        Set(headers, "X-Forwarded-For", httpContext.Connection.RemoteIpAddress?.ToString());
        Set(headers, "X-Forwarded-Proto", request.Scheme);
        Set(headers, "X-Forwarded-Host", request.Host.Value);
        Set(headers, "X-Forwarded-Port", httpContext.Connection.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Set(System.Net.Http.Headers.HttpRequestHeaders headers, string name, string? value)
    {
        headers.Remove(name);
        if (!string.IsNullOrEmpty(value))
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }
}
