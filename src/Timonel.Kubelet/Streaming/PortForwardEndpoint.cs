using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// <c>/portForward/{ns}/{pod}[/{uid}]</c>: a SPDY/3.1 upgrade (stream protocol
/// <c>portforward.k8s.io</c>) joined, byte for byte, to the runtime's own port-forward session
/// (the URL CRI PortForward returns for the pod's sandbox). The runtime opens each forwarded
/// connection inside the pod's network namespace (containerd dials <c>localhost:PORT</c> there),
/// so ports bound only to the pod's 127.0.0.1 are reachable, as with upstream's kubelet. The
/// agent never reads the frames: the stream pairs (<c>streamtype</c> error/data, <c>port</c>,
/// <c>requestID</c>) are between the client and the runtime.
/// </summary>
internal sealed class PortForwardEndpoint(CriClient cri, Func<Uri, CancellationToken, ValueTask<Stream>> connectRuntime, ILogger logger)
{
    public const string StreamProtocol = "portforward.k8s.io";

    public async Task ServeAsync(HttpContext context, string ns, string pod, string? uid)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            await ServeWebSocketAsync(context, ns, pod, uid);
            return;
        }
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || !string.Equals(context.Request.Headers.Upgrade.ToString(), SpdyUpgrade.Protocol, StringComparison.OrdinalIgnoreCase))
        {
            await KubeletEndpoints.WriteTextAsync(context, 400, "port forwarding needs an HTTP/1.1 SPDY/3.1 upgrade");
            return;
        }
        var offered = context.Request.Headers[SpdyUpgrade.ProtocolVersionHeader].SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        if (offered.Count > 0 && !offered.Contains(StreamProtocol))
        {
            await KubeletEndpoints.WriteTextAsync(context, 403, $"unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server supports [{StreamProtocol}]");
            return;
        }
        var (ports, badPort) = Ports(context.Request.Query["ports"]);
        if (badPort is not null)
        {
            await KubeletEndpoints.WriteTextAsync(context, 400, badPort);
            return;
        }
        var url = await RuntimeUrlAsync(context, ns, pod, uid, ports);
        if (url is null)
        {
            return;
        }
        Stream? runtime = null;
        try
        {
            runtime = await connectRuntime(url, context.RequestAborted);
            var (head, refused) = await SpdyUpgrade.RequestAsync(runtime, url, StreamProtocol, context.RequestAborted);
            if (refused is not null)
            {
                logger.LogWarning("port-forward to {Namespace}/{Pod}: the runtime refused: {Error}", ns, pod, refused);
                await KubeletEndpoints.WriteTextAsync(context, 500, "the runtime refused the port-forward stream: " + refused);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
            context.Response.Headers.Connection = "Upgrade";
            context.Response.Headers.Upgrade = SpdyUpgrade.Protocol;
            context.Response.Headers[SpdyUpgrade.ProtocolVersionHeader] = SpdyUpgrade.Header(head!, SpdyUpgrade.ProtocolVersionHeader) ?? StreamProtocol;
            await using var client = await upgrade.UpgradeAsync();
            await StreamPipe.RunAsync(client, runtime, context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException && !context.Response.HasStarted)
        {
            await KubeletEndpoints.WriteTextAsync(context, 500, "cannot reach the runtime's streaming server: " + e.Message);
        }
        finally
        {
            if (runtime is not null) await runtime.DisposeAsync();
        }
    }

    /// <summary>
    /// The WebSocket form (KubernetesClient): <c>ports</c> is required, and the agent itself is the
    /// SPDY client of the runtime (<see cref="SpdyPortForwardClient"/>, <see cref="PortForwardBridge"/>).
    /// </summary>
    private async Task ServeWebSocketAsync(HttpContext context, string ns, string pod, string? uid)
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        string? protocol = offered.Count == 0 ? "" : new[] { ChannelProtocol.V4, ChannelProtocol.V4Base64 }.FirstOrDefault(offered.Contains);
        if (protocol is null)
        {
            await KubeletEndpoints.WriteTextAsync(context, 400, $"unsupported port-forward protocol; supported: {ChannelProtocol.V4}, {ChannelProtocol.V4Base64} or none");
            return;
        }
        var (ports, badPort) = Ports(context.Request.Query["ports"]);
        if (badPort is not null || ports.Count == 0)
        {
            await KubeletEndpoints.WriteTextAsync(context, 400, badPort ?? "query parameter \"port\" is required");
            return;
        }
        var url = await RuntimeUrlAsync(context, ns, pod, uid, ports);
        if (url is null)
        {
            return;
        }
        SpdyPortForwardClient? runtime;
        string? refused;
        try
        {
            var transport = await connectRuntime(url, context.RequestAborted);
            (runtime, refused) = await SpdyPortForwardClient.ConnectAsync(transport, url, ports, context.RequestAborted);
            if (runtime is null) await transport.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            (runtime, refused) = (null, "cannot reach the runtime's streaming server: " + e.Message);
        }
        if (runtime is null)
        {
            logger.LogWarning("port-forward to {Namespace}/{Pod}: {Error}", ns, pod, refused);
            await KubeletEndpoints.WriteTextAsync(context, 500, refused!);
            return;
        }
        await using (runtime)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol.Length == 0 ? null : protocol);
            await PortForwardBridge.RunAsync(socket, protocol, ports, runtime, context.RequestAborted);
        }
    }

    /// <summary>The runtime's port-forward URL for the pod's running sandbox, or null once the error is written.</summary>
    private async Task<Uri?> RuntimeUrlAsync(HttpContext context, string ns, string pod, string? uid, List<int> ports)
    {
        var sandbox = await FindSandboxAsync(ns, pod, uid, context.RequestAborted);
        if (sandbox is null)
        {
            await KubeletEndpoints.WriteTextAsync(context, 404, $"pod \"{pod}\" in namespace \"{ns}\" has no running sandbox on this node");
            return null;
        }
        var url = await cri.PortForwardAsync(sandbox, ports, context.RequestAborted);
        if (!url.IsSuccess)
        {
            await KubeletEndpoints.WriteTextAsync(context, url.Error!.Kind == CriErrorKind.NotFound ? 404 : 500, url.Error.Message);
            return null;
        }
        return url.Value;
    }

    /// <summary>The pod's ready sandbox (the newest if several), by the metadata the pod worker gave it.</summary>
    private async Task<string?> FindSandboxAsync(string ns, string pod, string? uid, CancellationToken ct)
    {
        var sandboxes = await cri.ListPodSandboxAsync(new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } }, ct);
        if (!sandboxes.IsSuccess) return null;
        return sandboxes.Value!
            .Where(s => s.Metadata.Namespace == ns && s.Metadata.Name == pod && (string.IsNullOrEmpty(uid) || s.Metadata.Uid == uid))
            .OrderByDescending(s => s.CreatedAt)
            .FirstOrDefault()?.Id;
    }

    /// <summary><c>ports=80,8080</c> (also repeated): optional for SPDY, where each stream names its port.</summary>
    private static (List<int> Ports, string? Error) Ports(IEnumerable<string?> values)
    {
        var ports = new List<int>();
        foreach (var text in values.SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0))
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return (ports, $"invalid port: \"{text}\"");
            }
            ports.Add(port);
        }
        return (ports, null);
    }
}
