using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Streaming;

/// <summary>The container logs, exec and attach handlers behind <see cref="KubeletServer"/>.</summary>
internal sealed class KubeletEndpoints(
    IContainerLocator locator,
    CriClient cri,
    Func<Uri, CancellationToken, ValueTask<Stream>> connectRuntime,
    ContainerLogReader reader,
    ILogger logger)
{
    public async Task LogsAsync(HttpContext context, string ns, string pod, string container)
    {
        var query = context.Request.Query;
        var (options, error) = LogOptions.FromQuery(k => query.TryGetValue(k, out var v) ? v.ToString() : null, DateTimeOffset.UtcNow);
        if (options is null)
        {
            await WriteTextAsync(context, 400, error!);
            return;
        }
        var location = locator.Find(ns, pod, container, options.Previous);
        if (location is null || !File.Exists(location.LogPath))
        {
            // As upstream's kubelet: no earlier instance is a bad request (kubectl prints BadRequest).
            var what = options.Previous ? "previous terminated container" : "container";
            await WriteTextAsync(context, options.Previous ? 400 : 404, $"{what} \"{container}\" in pod \"{pod}\" not found");
            return;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted);
        try
        {
            await reader.WriteAsync(location.LogPath, options, context.Response.Body, ct => IsRunningAsync(location.ContainerId, ct), context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (the end of every `logs -f`).
        }
    }

    private async Task<bool> IsRunningAsync(string containerId, CancellationToken ct)
    {
        var status = await cri.ContainerStatusAsync(containerId, cancellationToken: ct);
        // A runtime that cannot answer is not proof the container stopped: keep following.
        if (!status.IsSuccess) return status.Error!.Kind != CriErrorKind.NotFound;
        return status.Value!.Status.State is ContainerState.ContainerRunning or ContainerState.ContainerCreated;
    }

    /// <summary>
    /// exec (<paramref name="attach"/> false: a new process, <c>command</c> required) or attach
    /// (the container's own stdio): CRI Exec or Attach gives a URL on the runtime's streaming
    /// server, whose SPDY session the client's WebSocket is bridged to.
    /// </summary>
    public async Task StreamAsync(HttpContext context, string ns, string pod, string container, bool attach)
    {
        var query = context.Request.Query;
        static bool Flag(string? v) => v is "true" or "1" or "";
        var streams = new ExecStreams(Flag(query["stdin"].FirstOrDefault()), Flag(query["stdout"].FirstOrDefault()),
            Flag(query["stderr"].FirstOrDefault()), Flag(query["tty"].FirstOrDefault()));
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0 && !attach)
        {
            await WriteTextAsync(context, 400, "you must specify at least 1 command");
            return;
        }
        if (!streams.Stdin && !streams.Stdout && !streams.Stderr)
        {
            await WriteTextAsync(context, 400, "you must specify at least 1 of stdin, stdout, stderr");
            return;
        }
        var verb = attach ? "attach" : "exec";
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WriteTextAsync(context, 400, $"{verb} needs a WebSocket upgrade (SPDY is not served)");
            return;
        }
        var protocol = ChannelProtocol.Negotiate(context.WebSockets.WebSocketRequestedProtocols);
        if (protocol is null)
        {
            await WriteTextAsync(context, 400, $"unsupported {verb} protocol; supported: {string.Join(", ", ChannelProtocol.Supported)}");
            return;
        }
        var location = locator.Find(ns, pod, container, previous: false);
        if (location is null)
        {
            await WriteTextAsync(context, 404, $"container \"{container}\" in pod \"{pod}\" not found");
            return;
        }
        var url = attach
            ? await cri.AttachAsync(new AttachRequest { ContainerId = location.ContainerId, Tty = streams.Tty, Stdin = streams.Stdin, Stdout = streams.Stdout, Stderr = streams.Stderr && !streams.Tty }, context.RequestAborted)
            : await cri.ExecAsync(ExecRequestFor(location.ContainerId, command, streams), context.RequestAborted);
        if (!url.IsSuccess)
        {
            var code = url.Error!.Kind == CriErrorKind.NotFound ? 404 : 500;
            await WriteTextAsync(context, code, url.Error.Message);
            return;
        }
        SpdyExecClient? runtime;
        string? refused;
        try
        {
            var transport = await connectRuntime(url.Value!, context.RequestAborted);
            (runtime, refused) = await SpdyExecClient.ConnectAsync(transport, url.Value!, streams, context.RequestAborted);
            if (runtime is null) await transport.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            (runtime, refused) = (null, "cannot reach the runtime's streaming server: " + e.Message);
        }
        if (runtime is null)
        {
            logger.LogWarning("{Verb} in {Namespace}/{Pod}/{Container}: {Error}", verb, ns, pod, container, refused);
            await WriteTextAsync(context, 500, refused!);
            return;
        }
        await using (runtime)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = protocol });
            await ExecBridge.RunAsync(socket, protocol, runtime, context.RequestAborted);
        }
    }

    private static ExecRequest ExecRequestFor(string containerId, IEnumerable<string> command, ExecStreams streams)
    {
        var request = new ExecRequest { ContainerId = containerId, Tty = streams.Tty, Stdin = streams.Stdin, Stdout = streams.Stdout, Stderr = streams.Stderr && !streams.Tty };
        request.Cmd.AddRange(command);
        return request;
    }

    public static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }
}
