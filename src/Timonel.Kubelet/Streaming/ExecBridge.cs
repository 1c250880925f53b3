using System.Net.WebSockets;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// Joins a client's exec WebSocket (v5, v4 or v4.base64 channels) to the runtime's SPDY exec
/// session: stdin, resize and (v5) stdin close flow in; stdout and stderr flow out in the order
/// the runtime sent them, then the Status on channel 3, then a normal close.
/// </summary>
public static class ExecBridge
{
    public static async Task RunAsync(WebSocket client, string protocol, SpdyExecClient runtime, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sendLock = new SemaphoreSlim(1, 1);

        async Task SendAsync(byte channel, ReadOnlyMemory<byte> data)
        {
            var (message, type) = ChannelProtocol.Encode(protocol, channel, data.Span);
            await sendLock.WaitAsync(stop.Token);
            try
            {
                await client.SendAsync(message, type, endOfMessage: true, stop.Token);
            }
            finally
            {
                sendLock.Release();
            }
        }

        var inbound = RelayInboundAsync(client, protocol, runtime, stop);
        byte[] status;
        try
        {
            status = await runtime.RunAsync(SendAsync, stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away (or the caller stopped): nobody is left to tell.
            await stop.CancelAsync();
            await ObserveAsync(inbound);
            return;
        }
        if (status.Length == 0) status = ChannelProtocol.FailureStatus("the runtime's exec stream ended without a status");
        try
        {
            await SendAsync(ChannelProtocol.Error, status);
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stop.Token);
            // The client answers the close; until then its socket may still be reading what we
            // sent, and cancelling the receive would abort the connection under it. A client that
            // never answers is let go after the grace period.
            stop.CancelAfter(CloseGrace);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Same: the client is gone.
            await stop.CancelAsync();
        }
        await ObserveAsync(inbound);
    }

    /// <summary>How long a client has to answer our close frame.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private static async Task RelayInboundAsync(WebSocket client, string protocol, SpdyExecClient runtime, CancellationTokenSource stop)
    {
        try
        {
            while (true)
            {
                var message = await ChannelProtocol.ReceiveAsync(client, stop.Token);
                if (message is null)
                {
                    // The client closed its side: no more input, and nobody reads the output.
                    await runtime.CloseStdinAsync(stop.Token);
                    await stop.CancelAsync();
                    return;
                }
                if (ChannelProtocol.Decode(protocol, message.Value.Data) is not { } frame) continue;
                switch (frame.Channel)
                {
                    case ChannelProtocol.Stdin:
                        await runtime.SendStdinAsync(frame.Data, stop.Token);
                        break;
                    case ChannelProtocol.Resize:
                        await runtime.SendResizeAsync(frame.Data, stop.Token);
                        break;
                    case ChannelProtocol.Close when protocol == ChannelProtocol.V5 && frame.Data is [ChannelProtocol.Stdin, ..]:
                        await runtime.CloseStdinAsync(stop.Token);
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            await stop.CancelAsync();
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
