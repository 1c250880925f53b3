using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Streaming;

/// <summary>The container logs and exec handlers behind <see cref="KubeletServer"/>.</summary>
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
            var what = options.Previous ? "previous terminated container" : "container";
            await WriteTextAsync(context, 404, $"{what} \"{container}\" in pod \"{pod}\" not found");
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

    public async Task ExecAsync(HttpContext context, string ns, string pod, string container)
    {
        var query = context.Request.Query;
        static bool Flag(string? v) => v is "true" or "1" or "";
        var streams = new ExecStreams(Flag(query["stdin"].FirstOrDefault()), Flag(query["stdout"].FirstOrDefault()),
            Flag(query["stderr"].FirstOrDefault()), Flag(query["tty"].FirstOrDefault()));
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0)
        {
            await WriteTextAsync(context, 400, "you must specify at least 1 command");
            return;
        }
        if (!streams.Stdin && !streams.Stdout && !streams.Stderr)
        {
            await WriteTextAsync(context, 400, "you must specify at least 1 of stdin, stdout, stderr");
            return;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WriteTextAsync(context, 400, "exec needs a WebSocket upgrade (SPDY is not served)");
            return;
        }
        var protocol = ChannelProtocol.Negotiate(context.WebSockets.WebSocketRequestedProtocols);
        if (protocol is null)
        {
            await WriteTextAsync(context, 400, $"unsupported exec protocol; supported: {string.Join(", ", ChannelProtocol.Supported)}");
            return;
        }
        var location = locator.Find(ns, pod, container, previous: false);
        if (location is null)
        {
            await WriteTextAsync(context, 404, $"container \"{container}\" in pod \"{pod}\" not found");
            return;
        }
        var request = new ExecRequest { ContainerId = location.ContainerId, Tty = streams.Tty, Stdin = streams.Stdin, Stdout = streams.Stdout, Stderr = streams.Stderr && !streams.Tty };
        request.Cmd.AddRange(command);
        var url = await cri.ExecAsync(request, context.RequestAborted);
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
            logger.LogWarning("exec in {Namespace}/{Pod}/{Container}: {Error}", ns, pod, container, refused);
            await WriteTextAsync(context, 500, refused!);
            return;
        }
        await using (runtime)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = protocol });
            await ExecBridge.RunAsync(socket, protocol, runtime, context.RequestAborted);
        }
    }

    public static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }
}
