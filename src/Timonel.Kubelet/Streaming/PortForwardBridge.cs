using System.Buffers.Binary;
using System.Net.WebSockets;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// The WebSocket port-forward protocol (no subprotocol, <c>v4.channel.k8s.io</c> or its base64
/// variant; KubernetesClient speaks it) joined to the runtime's SPDY session: for the i-th
/// requested port, channel 2i carries the connection's bytes both ways and channel 2i+1 the
/// runtime's error text; the first message on each of them is the port, two bytes little endian.
/// The session ends when the client closes or every forwarded connection ended.
/// </summary>
public static class PortForwardBridge
{
    public static async Task RunAsync(WebSocket client, string protocol, IReadOnlyList<int> ports, SpdyPortForwardClient runtime, CancellationToken ct)
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

        try
        {
            var port = new byte[2];
            for (var i = 0; i < ports.Count; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(port, (ushort)ports[i]);
                await SendAsync((byte)(2 * i), port);
                await SendAsync((byte)(2 * i + 1), port);
            }
            var inbound = RelayInboundAsync(client, protocol, runtime, stop);
            await runtime.RunAsync((index, isError, data) => SendAsync((byte)(2 * index + (isError ? 1 : 0)), data), stop.Token);
            if (client.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stop.Token);
                stop.CancelAfter(ExecBridge.CloseGrace);
            }
            await inbound;
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // Either side went away: the other is let go with it.
        }
    }

    private static async Task RelayInboundAsync(WebSocket client, string protocol, SpdyPortForwardClient runtime, CancellationTokenSource stop)
    {
        try
        {
            while (await ChannelProtocol.ReceiveAsync(client, stop.Token) is { } message)
            {
                if (ChannelProtocol.Decode(protocol, message.Data) is { } frame && frame.Channel % 2 == 0)
                {
                    await runtime.SendAsync(frame.Channel / 2, frame.Data, stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
        }
        // The client closed (or went away): the forwarded connections end with it.
        await stop.CancelAsync();
    }
}
