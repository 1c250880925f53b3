using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Accepts a WebSocket whose subprotocol .NET refuses to name: <c>SPDY/3.1+portforward.k8s.io</c>
/// has a '/', which is not a token character, so <c>AcceptWebSocketAsync</c> throws (after the
/// 101 already went out). The handshake is therefore written here (RFC 6455 4.2.2: the accept
/// key is base64(SHA-1(key + GUID))) and the upgraded connection wrapped as a server WebSocket.
/// </summary>
public static class TunnelWebSocket
{
    private const string HandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Null when the request is not an HTTP/1.1 upgrade this server can take over.</summary>
    public static async Task<WebSocket?> AcceptAsync(HttpContext context, string subProtocol)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || key.Length == 0) return null;
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + HandshakeGuid)));
        context.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = accept;
        context.Response.Headers.SecWebSocketProtocol = subProtocol;
        var stream = await upgrade.UpgradeAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(30) });
    }
}
