using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Rest;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// pods/log, exec and attach: the API server finds the pod's agent (<see cref="PodTargets"/>) and
/// relays the agent's answer — a chunked text stream for logs (follow included), WebSocket
/// messages both ways for exec and attach (the client's subprotocol, v5 or v4, passed on to the
/// agent). Port forwarding: <see cref="PodPortForwardProxy"/>; pods/proxy and services/proxy:
/// <see cref="PodHttpProxy"/>.
/// </summary>
public sealed class PodStreamProxy(PodTargets targets, KubeletConnections agents, Yarp.ReverseProxy.Forwarder.IHttpForwarder forwarder, ProxyTargets proxyTargets)
{
    /// <summary>Log query parameters the agent understands; <c>container</c> goes into the path.</summary>
    private static readonly string[] LogParameters = ["follow", "tailLines", "sinceSeconds", "sinceTime", "timestamps", "previous", "limitBytes"];

    /// <summary>How long one side of a closing exec has to answer the other's close.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    public PodPortForwardProxy PortForward { get; } = new(targets, agents);

    /// <summary>pods/proxy and services/proxy.</summary>
    public PodHttpProxy Http { get; } = new(proxyTargets, agents, forwarder);

    public async Task LogsAsync(HttpContext context, string ns, string name)
    {
        var query = context.Request.Query;
        var (target, error) = await targets.ResolveAsync(ns, name, query["container"].FirstOrDefault(), context.RequestAborted);
        var previous = query["previous"].FirstOrDefault() is "true" or "1";
        error ??= previous ? null : PodTargets.CheckStarted(target!);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var forwarded = string.Join("&", LogParameters.Where(p => query.ContainsKey(p)).Select(p => $"{p}={Uri.EscapeDataString(query[p].ToString())}"));
        var uri = new Uri(target!.Agent, $"containerLogs/{Segment(ns)}/{Segment(name)}/{Segment(target.Container)}" + (forwarded.Length > 0 ? "?" + forwarded : ""));
        HttpResponseMessage response;
        try
        {
            response = await agents.Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            await Responses.WriteErrorAsync(context, ApiError.Internal($"Get \"{uri}\": {e.Message}"));
            return;
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = (await response.Content.ReadAsStringAsync(context.RequestAborted)).Trim();
                await Responses.WriteErrorAsync(context, FromAgent((int)response.StatusCode, text));
                return;
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain";
            await context.Response.StartAsync(context.RequestAborted);
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            var buffer = new byte[32 * 1024];
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                // The client left (the end of every `logs -f`) or the agent went away mid-stream:
                // the response simply ends, as upstream's does.
            }
        }
    }

    /// <summary>exec (a new process from <c>command</c>) or attach (the container's own stdio), over the client's WebSocket.</summary>
    public async Task StreamAsync(HttpContext context, string ns, string name, bool attach)
    {
        // The pod and container are checked before the upgrade, as upstream does: kubectl retries a
        // refused WebSocket as SPDY, and that second answer is the one it shows.
        var query = context.Request.Query;
        var (target, error) = await targets.ResolveAsync(ns, name, query["container"].FirstOrDefault(), context.RequestAborted);
        if (error is null && !context.WebSockets.IsWebSocketRequest)
        {
            error = ApiError.BadRequest("Upgrade request required");
        }
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var parameters = (attach ? [] : query["command"].Select(c => "command=" + Uri.EscapeDataString(c ?? "")))
            .Concat(new[] { "stdin", "stdout", "stderr", "tty" }.Where(p => query.ContainsKey(p)).Select(p => $"{p}={Uri.EscapeDataString(query[p].ToString())}"));
        var verb = attach ? "attach" : "exec";
        var https = new Uri(target!.Agent, $"{verb}/{Segment(ns)}/{Segment(name)}/{Segment(target.Container)}?{string.Join("&", parameters)}");
        var uri = new UriBuilder(https) { Scheme = "wss" }.Uri;
        var offered = context.WebSockets.WebSocketRequestedProtocols;

        ClientWebSocket agent;
        try
        {
            agent = await agents.ConnectWebSocketAsync(uri, offered, context.RequestAborted);
        }
        catch (WebSocketException e)
        {
            await Responses.WriteErrorAsync(context, ApiError.BadRequest($"unable to upgrade connection: {e.Message}"));
            return;
        }
        using (agent)
        {
            using var client = await context.WebSockets.AcceptWebSocketAsync(agent.SubProtocol);
            await RelayAsync(client, agent, context.RequestAborted);
        }
    }

    /// <summary>Messages both ways until both sides closed; a close on one side is passed to the other.</summary>
    internal static async Task RelayAsync(WebSocket client, WebSocket agent, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = PumpAsync(client, agent, stop);
        var down = PumpAsync(agent, client, stop);
        await Task.WhenAny(up, down);
        // One side closed: the other has a grace period to answer before the relay ends.
        stop.CancelAfter(CloseGrace);
        await Task.WhenAll(up, down);
    }

    private static async Task PumpAsync(WebSocket from, WebSocket to, CancellationTokenSource stop)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await to.CloseOutputAsync(from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, stop.Token);
                    }
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // One side went away without a close: end the other too.
            await stop.CancelAsync();
        }
    }

    internal static ApiError FromAgent(int code, string message) => code switch
    {
        400 => ApiError.BadRequest(message),
        403 => ApiError.Forbidden(message),
        404 => new ApiError(404, "NotFound", message),
        _ => ApiError.Internal(message),
    };

    internal static string Segment(string value) => Uri.EscapeDataString(value);
}
