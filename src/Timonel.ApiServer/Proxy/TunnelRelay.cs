using System.Net.WebSockets;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// Bytes of an upgraded session relayed unchanged between the client and the agent until one
/// side ends, then both end (a SPDY session lives and dies with its connection). The client side
/// is either a bare upgraded connection or a WebSocket whose binary messages are the byte stream
/// (any message boundaries; the tunnel of kubectl's port-forward).
/// </summary>
public static class TunnelRelay
{
    public static async Task RunAsync(Stream client, Stream agent, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = CopyAsync(client, agent, stop.Token);
        var down = CopyAsync(agent, client, stop.Token);
        await Task.WhenAny(up, down);
        await stop.CancelAsync();
        await Task.WhenAll(up, down);
    }

    public static async Task RunAsync(WebSocket client, Stream agent, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = FromWebSocketAsync(client, agent, stop.Token);
        var down = ToWebSocketAsync(agent, client, stop.Token);
        var first = await Task.WhenAny(up, down);
        if (first == down && client.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            // The agent ended the session: say so, briefly waiting for the client's answer.
            try
            {
                using var grace = CancellationTokenSource.CreateLinkedTokenSource(ct);
                grace.CancelAfter(TimeSpan.FromSeconds(2));
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, grace.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        }
        await stop.CancelAsync();
        await Task.WhenAll(up, down);
    }

    private static async Task FromWebSocketAsync(WebSocket from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close) return;
                await to.WriteAsync(buffer.AsMemory(0, result.Count), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task ToWebSocketAsync(Stream from, WebSocket to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }
}
