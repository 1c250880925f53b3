using System.Buffers.Binary;
using System.Text;

namespace Timonel.Kubelet.Streaming;

/// <summary>Which standard streams an exec has; with a TTY, stderr is merged and a resize stream exists.</summary>
public sealed record ExecStreams(bool Stdin, bool Stdout, bool Stderr, bool Tty);

/// <summary>
/// A client of the runtime's streaming server (the URL of CRI Exec or Attach) over SPDY/3.1 with the
/// <c>v4.channel.k8s.io</c> stream protocol: one SPDY stream per standard stream, named by the
/// <c>streamtype</c> header. Unlike WebSocket v4, SPDY can half-close stdin (a DATA frame with
/// FIN), so a command reading stdin to its end sees EOF. The error stream carries the exit
/// Status JSON when the command ends.
/// </summary>
public sealed class SpdyExecClient : IAsyncDisposable
{
    public const string StreamProtocol = "v4.channel.k8s.io";
    private const uint ErrorId = 1, StdinId = 3, StdoutId = 5, StderrId = 7, ResizeId = 9;

    private readonly Stream _transport;
    private readonly ExecStreams _streams;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly MemoryStream _status = new();
    private bool _stdinClosed;

    private SpdyExecClient(Stream transport, ExecStreams streams)
    {
        _transport = transport;
        _streams = streams;
    }

    /// <summary>Upgrades <paramref name="transport"/> (a connection to the URL's host) and opens the streams. Error: the server's answer to the upgrade.</summary>
    public static async Task<(SpdyExecClient? Client, string? Error)> ConnectAsync(Stream transport, Uri url, ExecStreams streams, CancellationToken ct)
    {
        var (_, refused) = await SpdyUpgrade.RequestAsync(transport, url, StreamProtocol, ct);
        if (refused is not null) return (null, "the runtime refused the stream: " + refused);
        var client = new SpdyExecClient(transport, streams);
        await client.OpenStreamsAsync(ct);
        return (client, null);
    }

    private async Task OpenStreamsAsync(CancellationToken ct)
    {
        var first = true;
        foreach (var (id, type, wanted) in new[]
        {
            (ErrorId, "error", true), (StdinId, "stdin", _streams.Stdin), (StdoutId, "stdout", _streams.Stdout),
            (StderrId, "stderr", _streams.Stderr && !_streams.Tty), (ResizeId, "resize", _streams.Tty),
        })
        {
            if (!wanted) continue;
            await WriteAsync(SpdyFrames.SynStreamFrame(id, [("streamtype", type)], first), ct);
            first = false;
        }
    }

    public Task SendStdinAsync(ReadOnlyMemory<byte> data, CancellationToken ct) =>
        _streams.Stdin && !_stdinClosed && data.Length > 0 ? WriteAsync(SpdyFrames.DataFrame(StdinId, data.Span, fin: false), ct) : Task.CompletedTask;

    /// <summary>Half-closes stdin: the command reads EOF.</summary>
    public Task CloseStdinAsync(CancellationToken ct)
    {
        if (!_streams.Stdin || _stdinClosed) return Task.CompletedTask;
        _stdinClosed = true;
        return WriteAsync(SpdyFrames.DataFrame(StdinId, [], fin: true), ct);
    }

    /// <summary>A terminal size as the channel protocols send it: JSON <c>{"Width":w,"Height":h}</c>.</summary>
    public Task SendResizeAsync(ReadOnlyMemory<byte> json, CancellationToken ct) =>
        _streams.Tty ? WriteAsync(SpdyFrames.DataFrame(ResizeId, json.Span, fin: false), ct) : Task.CompletedTask;

    /// <summary>
    /// Reads until the command's streams end: stdout (channel 1) and stderr (channel 2) go to
    /// <paramref name="onOutput"/> in arrival order; returns what the error stream carried (the
    /// Status JSON), empty when the connection ended without one.
    /// </summary>
    public async Task<byte[]> RunAsync(Func<byte, ReadOnlyMemory<byte>, Task> onOutput, CancellationToken ct)
    {
        var open = new HashSet<uint> { ErrorId };
        if (_streams.Stdout) open.Add(StdoutId);
        if (_streams.Stderr && !_streams.Tty) open.Add(StderrId);
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
                if (id == ErrorId) _status.Write(payload);
                else if (length > 0 && id is StdoutId or StderrId) await onOutput(id == StdoutId ? (byte)1 : (byte)2, payload);
                if ((flags & SpdyFrames.FlagFin) != 0) open.Remove(id);
                continue;
            }
            var type = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
            switch (type)
            {
                case SpdyFrames.Ping:
                    // Answer with the same id, as the protocol requires of the receiver.
                    await WriteAsync(SpdyFrames.ControlFrame(SpdyFrames.Ping, 0, payload), ct);
                    break;
                case SpdyFrames.RstStream when length >= 4:
                    open.Remove(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                    break;
                case SpdyFrames.SynReply or SpdyFrames.Headers when (flags & SpdyFrames.FlagFin) != 0 && length >= 4:
                    open.Remove(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff);
                    break;
                case SpdyFrames.GoAway:
                    open.Clear();
                    break;
            }
        }
        return _status.ToArray();
    }

    private async Task<bool> ReadFullyAsync(byte[] buffer, CancellationToken ct)
    {
        try
        {
            await _transport.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        catch (IOException)
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
        _status.Dispose();
    }
}
