using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Timonel.Api.Errors;
using Timonel.ApiServer.Rest;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// pods/portforward. The session is SPDY/3.1 end to end (stream protocol
/// <c>portforward.k8s.io</c>: per forwarded connection a pair of streams, <c>streamtype</c>
/// error and data, with <c>port</c> and <c>requestID</c> headers), between the client and the
/// runtime behind the pod's agent; the API server never reads a frame. It reaches the client in
/// one of two ways, as upstream's: kubectl 1.35 first opens a WebSocket with subprotocol
/// <c>SPDY/3.1+portforward.k8s.io</c> whose binary messages carry the SPDY bytes (the tunnel), and
/// falls back to a plain <c>Upgrade: SPDY/3.1</c>. Towards the agent it is always the plain upgrade
/// (<c>/portForward/NS/POD/UID</c>), its bytes relayed unchanged. A WebSocket with channels
/// instead (KubernetesClient's form) goes to the agent as a WebSocket, which bridges it to SPDY.
/// </summary>
public sealed class PodPortForwardProxy(PodTargets targets, KubeletConnections agents)
{
    public const string StreamProtocol = "portforward.k8s.io";
    public const string TunnelProtocol = "SPDY/3.1+" + StreamProtocol;

    public async Task ServeAsync(HttpContext context, string ns, string name)
    {
        var tunnel = context.WebSockets.IsWebSocketRequest;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var spdy = !tunnel && upgrade is { IsUpgradableRequest: true }
                   && string.Equals(context.Request.Headers.Upgrade.ToString(), AgentUpgrade.Spdy, StringComparison.OrdinalIgnoreCase);
        if (!tunnel && !spdy)
        {
            await Responses.WriteErrorAsync(context, ApiError.BadRequest("Upgrade request required"));
            return;
        }
        var (target, error) = await targets.ResolveAsync(ns, name, null, context.RequestAborted, wholePod: true);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var uid = target!.PodObject["metadata"]?["uid"]?.GetValue<string>() ?? "";
        var ports = context.Request.Query["ports"].ToString();
        var path = $"/portForward/{PodStreamProxy.Segment(ns)}/{PodStreamProxy.Segment(name)}/{PodStreamProxy.Segment(uid)}" +
                   (ports.Length > 0 ? "?ports=" + Uri.EscapeDataString(ports) : "");
        if (tunnel && !context.WebSockets.WebSocketRequestedProtocols.Contains(TunnelProtocol))
        {
            await RelayChannelsAsync(context, new Uri(new UriBuilder(target.Agent) { Scheme = "wss" }.Uri, path));
            return;
        }
        // The tunnel names its stream protocol in the subprotocol; the fallback in its own header.
        var offered = tunnel ? StreamProtocol : context.Request.Headers[AgentUpgrade.ProtocolVersionHeader].ToString();

        Stream agent;
        try
        {
            agent = await agents.ConnectTlsAsync(target.Agent, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            await Responses.WriteErrorAsync(context, ApiError.Internal($"error dialing backend: {e.Message}"));
            return;
        }
        await using (agent)
        {
            AgentUpgrade.Answer answer;
            try
            {
                answer = await AgentUpgrade.RequestAsync(agent, target.Agent, path, offered.Length > 0 ? offered : StreamProtocol, context.RequestAborted);
            }
            catch (IOException e)
            {
                answer = new AgentUpgrade.Answer(502, null, $"error talking to the node agent: {e.Message}");
            }
            if (answer.Status != 101)
            {
                await Responses.WriteErrorAsync(context, PodStreamProxy.FromAgent(answer.Status, answer.Body));
                return;
            }
            if (tunnel)
            {
                using var client = await TunnelWebSocket.AcceptAsync(context, TunnelProtocol);
                if (client is null)
                {
                    await Responses.WriteErrorAsync(context, ApiError.BadRequest("the port-forward WebSocket needs an HTTP/1.1 upgrade"));
                    return;
                }
                await TunnelRelay.RunAsync(client, agent, context.RequestAborted);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = AgentUpgrade.Spdy;
            context.Response.Headers[AgentUpgrade.ProtocolVersionHeader] = answer.ProtocolVersion ?? StreamProtocol;
            await using var upgraded = await upgrade!.UpgradeAsync();
            await TunnelRelay.RunAsync(upgraded, agent, context.RequestAborted);
        }
    }

    /// <summary>
    /// The WebSocket channel form (KubernetesClient: no subprotocol or v4; per port a data and an
    /// error channel): the agent speaks SPDY to the runtime, the messages are relayed as for exec.
    /// </summary>
    private async Task RelayChannelsAsync(HttpContext context, Uri agentUri)
    {
        ClientWebSocket agent;
        try
        {
            agent = await agents.ConnectWebSocketAsync(agentUri, context.WebSockets.WebSocketRequestedProtocols, context.RequestAborted);
        }
        catch (WebSocketException e)
        {
            await Responses.WriteErrorAsync(context, ApiError.BadRequest($"unable to upgrade connection: {e.Message}"));
            return;
        }
        using (agent)
        {
            using var client = await context.WebSockets.AcceptWebSocketAsync(string.IsNullOrEmpty(agent.SubProtocol) ? null : agent.SubProtocol);
            await PodStreamProxy.RelayAsync(client, agent, context.RequestAborted);
        }
    }
}
