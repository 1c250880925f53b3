using System.Buffers.Binary;
using System.Globalization;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// A client of the runtime's port-forward session (the URL CRI PortForward returns) over SPDY/3.1
/// with stream protocol <c>portforward.k8s.io</c>, for clients that cannot speak SPDY themselves
/// (the WebSocket port-forward of KubernetesClient): one forwarded connection per requested port,
/// each a pair of streams opened together, <c>streamtype</c> error then data, with the same
/// <c>port</c> and <c>requestid</c> headers. The runtime dials the port inside the pod once it has
/// both; what it cannot do it writes on the error stream.
/// </summary>
public sealed class SpdyPortForwardClient : IAsyncDisposable
{
    public const string StreamProtocol = "portforward.k8s.io";

    private readonly Stream _transport;
    private readonly IReadOnlyList<int> _ports;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private SpdyPortForwardClient(Stream transport, IReadOnlyList<int> ports)
    {
        _transport = transport;
        _ports = ports;
    }

    /// <summary>Stream ids of the i-th port: client streams are odd, two per port.</summary>
    private static uint ErrorId(int index) => (uint)(1 + 4 * index);

    private static uint DataId(int index) => (uint)(3 + 4 * index);

    public static async Task<(SpdyPortForwardClient? Client, string? Error)> ConnectAsync(Stream transport, Uri url, IReadOnlyList<int> ports, CancellationToken ct)
    {
        var (_, refused) = await SpdyUpgrade.RequestAsync(transport, url, StreamProtocol, ct);
        if (refused is not null) return (null, "the runtime refused the port-forward stream: " + refused);
        var client = new SpdyPortForwardClient(transport, ports);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i].ToString(CultureInfo.InvariantCulture);
            var request = i.ToString(CultureInfo.InvariantCulture);
            await client.WriteAsync(SpdyFrames.SynStreamFrame(ErrorId(i), [("streamtype", "error"), ("port", port), ("requestid", request)], i == 0), ct);
            await client.WriteAsync(SpdyFrames.SynStreamFrame(DataId(i), [("streamtype", "data"), ("port", port), ("requestid", request)], false), ct);
        }
        return (client, null);
    }

    /// <summary>Bytes for the <paramref name="index"/>-th port's connection (in frames the 24-bit length allows).</summary>
    public async Task SendAsync(int index, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (index < 0 || index >= _ports.Count) return;
        for (var offset = 0; offset < data.Length; offset += 64 * 1024)
        {
            var chunk = data.Slice(offset, Math.Min(64 * 1024, data.Length - offset));
            await WriteAsync(SpdyFrames.DataFrame(DataId(index), chunk.Span, fin: false), ct);
        }
    }

    /// <summary>
    /// Reads until every port's data stream ended or the connection closed: data streams' bytes
    /// go to <paramref name="onOutput"/> as (port index, is error, bytes).
    /// </summary>
    public async Task RunAsync(Func<int, bool, ReadOnlyMemory<byte>, Task> onOutput, CancellationToken ct)
    {
        var open = Enumerable.Range(0, _ports.Count).Select(DataId).ToHashSet();
        var header = new byte[8];
        while (open.Count > 0)
        {
            if (!await ReadFullyAsync(header, ct)) break;
            var length = (header[5] << 16) | (header[6] << 8) | header[7];
            var flags = header[4];
            var payload = new byte[length];
            if (!await ReadFullyAsync(payload, ct)) break;
            if ((header[0] & 0x80) == 0)
            {
                var id = BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7fffffff;
                var index = (int)((id - 1) / 4);
                if (id % 2 == 1 && index < _ports.Count && length > 0) await onOutput(index, id == ErrorId(index), payload);
                if ((flags & SpdyFrames.FlagFin) != 0) open.Remove(id);
                continue;
            }
            switch (BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)))
            {
                case SpdyFrames.Ping:
                    await WriteAsync(SpdyFrames.ControlFrame(SpdyFrames.Ping, 0, payload), ct);
                    break;
                case SpdyFrames.RstStream when length >= 4:
                    open.Remove(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                    break;
                case SpdyFrames.GoAway:
                    open.Clear();
                    break;
            }
        }
    }

    private async Task<bool> ReadFullyAsync(byte[] buffer, CancellationToken ct)
    {
        try
        {
            await _transport.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    private async Task WriteAsync(byte[] frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await _transport.WriteAsync(frame, ct);
            await _transport.FlushAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync();
        _writeLock.Dispose();
    }
}
