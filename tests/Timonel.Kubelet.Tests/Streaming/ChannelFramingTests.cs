using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.Tests.Streaming;

/// <summary>The exec channel protocols and the SPDY frames we write (no containerd needed).</summary>
public sealed class ChannelFramingTests
{
    [Fact]
    public void Negotiation_prefers_v5_then_v4()
    {
        Assert.Equal(ChannelProtocol.V5, ChannelProtocol.Negotiate(["v4.channel.k8s.io", "v5.channel.k8s.io"]));
        Assert.Equal(ChannelProtocol.V4, ChannelProtocol.Negotiate(["v4.channel.k8s.io"]));
        Assert.Equal(ChannelProtocol.V4Base64, ChannelProtocol.Negotiate(["base64.channel.k8s.io", "v4.base64.channel.k8s.io"]));
        Assert.Null(ChannelProtocol.Negotiate(["channel.k8s.io"]));
    }

    [Fact]
    public void Binary_messages_are_a_channel_byte_then_data()
    {
        var (message, type) = ChannelProtocol.Encode(ChannelProtocol.V5, ChannelProtocol.Stderr, "oops"u8);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal([2, .. "oops"u8.ToArray()], message);
        var (channel, data) = ChannelProtocol.Decode(ChannelProtocol.V4, [0, 104, 105])!.Value;
        Assert.Equal(ChannelProtocol.Stdin, channel);
        Assert.Equal("hi", Encoding.ASCII.GetString(data));
        Assert.Null(ChannelProtocol.Decode(ChannelProtocol.V5, []));
    }

    [Fact]
    public void Base64_messages_are_a_digit_then_base64_text()
    {
        var (message, type) = ChannelProtocol.Encode(ChannelProtocol.V4Base64, ChannelProtocol.Stdout, "hi\n"u8);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("1aGkK", Encoding.ASCII.GetString(message));
        var (channel, data) = ChannelProtocol.Decode(ChannelProtocol.V4Base64, "0aGkK"u8)!.Value;
        Assert.Equal(0, channel);
        Assert.Equal("hi\n", Encoding.ASCII.GetString(data));
        Assert.Null(ChannelProtocol.Decode(ChannelProtocol.V4Base64, "1***"u8));
    }

    [Fact]
    public void Exit_code_status_is_what_clients_read()
    {
        using var json = JsonDocument.Parse(ChannelProtocol.ExitCodeStatus(7));
        var root = json.RootElement;
        Assert.Equal("Failure", root.GetProperty("status").GetString());
        Assert.Equal("NonZeroExitCode", root.GetProperty("reason").GetString());
        var cause = Assert.Single(root.GetProperty("details").GetProperty("causes").EnumerateArray());
        Assert.Equal("ExitCode", cause.GetProperty("reason").GetString());
        Assert.Equal("7", cause.GetProperty("message").GetString());
        Assert.Equal("Success", JsonDocument.Parse(ChannelProtocol.SuccessStatus()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public void Syn_stream_header_blocks_are_a_valid_zlib_stream_across_frames()
    {
        var first = SpdyFrames.SynStreamFrame(1, [("streamType", "error")], firstHeaderBlock: true);
        var second = SpdyFrames.SynStreamFrame(3, [("streamtype", "stdin")], firstHeaderBlock: false);
        Assert.Equal(0x8003, BinaryPrimitives.ReadUInt16BigEndian(first));
        Assert.Equal(SpdyFrames.SynStream, BinaryPrimitives.ReadUInt16BigEndian(first.AsSpan(2)));
        Assert.Equal(first.Length - 8, (first[5] << 16) | (first[6] << 8) | first[7]);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(second.AsSpan(8)));

        // Both blocks, read as one zlib stream (as the server's shared decompressor does).
        using var joined = new MemoryStream([.. first.AsSpan(18), .. second.AsSpan(18)]);
        using var zlib = new ZLibStream(joined, CompressionMode.Decompress);
        Assert.Equal([("streamtype", "error")], ReadHeaders(zlib));
        Assert.Equal([("streamtype", "stdin")], ReadHeaders(zlib));
    }

    [Fact]
    public void Data_frames_carry_the_stream_id_flags_and_length()
    {
        var frame = SpdyFrames.DataFrame(5, "abc"u8, fin: true);
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32BigEndian(frame));
        Assert.Equal(SpdyFrames.FlagFin, frame[4]);
        Assert.Equal(3, (frame[5] << 16) | (frame[6] << 8) | frame[7]);
        Assert.Equal("abc", Encoding.ASCII.GetString(frame, 8, 3));
    }

    private static List<(string, string)> ReadHeaders(Stream stream)
    {
        var four = new byte[4];
        uint Next()
        {
            stream.ReadExactly(four);
            return BinaryPrimitives.ReadUInt32BigEndian(four);
        }
        string Text()
        {
            var bytes = new byte[Next()];
            stream.ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }
        var count = Next();
        var headers = new List<(string, string)>();
        for (var i = 0; i < count; i++) headers.Add((Text(), Text()));
        return headers;
    }
}
