using System.Buffers.Binary;
using System.Text;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// The few SPDY/3.1 frames a stream client needs, written from the SPDY/3 draft. Control frame:
/// 1 bit control, 15 bits version (3), 16 bits type, 8 bits flags, 24 bits length, payload. Data
/// frame: 1 bit 0, 31 bits stream id, 8 bits flags (FIN = 1), 24 bits length, payload.
/// </summary>
/// <remarks>
/// Header blocks are zlib streams shared across the connection (with a preset dictionary for
/// compression). We write ours as stored (uncompressed) deflate blocks, byte aligned, so no back
/// reference ever needs the dictionary and the zlib header does not announce one; Go's zlib reader
/// (the server's side) then needs no dictionary either. The server's header blocks are skipped
/// unread: a client of the channel protocols only needs to know that a reply came.
/// </remarks>
public static class SpdyFrames
{
    public const ushort Version = 3;
    public const ushort SynStream = 1;
    public const ushort SynReply = 2;
    public const ushort RstStream = 3;
    public const ushort Settings = 4;
    public const ushort Ping = 6;
    public const ushort GoAway = 7;
    public const ushort Headers = 8;
    public const ushort WindowUpdate = 9;
    public const byte FlagFin = 0x01;

    /// <summary>A SYN_STREAM opening <paramref name="streamId"/> with the given headers (names lower case).</summary>
    /// <param name="firstHeaderBlock">True for the connection's first header block: it carries the zlib header.</param>
    public static byte[] SynStreamFrame(uint streamId, IReadOnlyList<(string Name, string Value)> headers, bool firstHeaderBlock)
    {
        var block = HeaderBlock(headers, firstHeaderBlock);
        var payload = new byte[10 + block.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, streamId & 0x7fffffff);
        // Associated-to stream 0, priority 0, slot 0.
        block.CopyTo(payload, 10);
        return ControlFrame(SynStream, 0, payload);
    }

    public static byte[] ControlFrame(ushort type, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(0x8000 | Version));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        WriteFlagsAndLength(frame.AsSpan(4), flags, payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return frame;
    }

    public static byte[] DataFrame(uint streamId, ReadOnlySpan<byte> data, bool fin)
    {
        var frame = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, streamId & 0x7fffffff);
        WriteFlagsAndLength(frame.AsSpan(4), fin ? FlagFin : (byte)0, data.Length);
        data.CopyTo(frame.AsSpan(8));
        return frame;
    }

    /// <summary>
    /// The name/value block (32-bit count, then 32-bit length-prefixed names and values) as one
    /// stored deflate block: 0x00 (not final, type 00, already aligned), LEN and ~LEN little
    /// endian, the bytes; then the empty stored block of a sync flush.
    /// </summary>
    public static byte[] HeaderBlock(IReadOnlyList<(string Name, string Value)> headers, bool withZlibHeader)
    {
        using var raw = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(four, (uint)headers.Count);
        raw.Write(four);
        foreach (var (name, value) in headers)
        {
            foreach (var part in new[] { name.ToLowerInvariant(), value })
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                BinaryPrimitives.WriteUInt32BigEndian(four, (uint)bytes.Length);
                raw.Write(four);
                raw.Write(bytes);
            }
        }
        var data = raw.ToArray();
        if (data.Length > ushort.MaxValue) throw new ArgumentException("header block too large for one stored block", nameof(headers));
        using var block = new MemoryStream();
        // zlib header: deflate with a 32K window (0x78), no preset dictionary, check bits make it a multiple of 31.
        if (withZlibHeader) block.Write([0x78, 0x01]);
        block.WriteByte(0x00);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(len[2..], (ushort)~data.Length);
        block.Write(len);
        block.Write(data);
        // The empty stored block a sync flush writes: a reader hands out a block's bytes only
        // when it reaches the next block, so without it the last headers would wait for the
        // next frame (Go's flate reader does exactly that).
        block.Write([0x00, 0x00, 0x00, 0xff, 0xff]);
        return block.ToArray();
    }

    private static void WriteFlagsAndLength(Span<byte> destination, byte flags, int length)
    {
        if (length > 0xffffff) throw new ArgumentOutOfRangeException(nameof(length));
        destination[0] = flags;
        destination[1] = (byte)(length >> 16);
        destination[2] = (byte)(length >> 8);
        destination[3] = (byte)length;
    }
}
