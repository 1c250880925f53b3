using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// The WebSocket channel protocols of exec: each message is one channel byte then data. Channels:
/// 0 stdin, 1 stdout, 2 stderr, 3 error (the final Status JSON), 4 resize (<c>{"Width","Height"}</c>),
/// and in v5 only 255 close (data = the channel being closed; 0 = stdin EOF). The base64 variant
/// sends text messages: the channel as an ASCII digit, then the data base64-encoded.
/// </summary>
public static class ChannelProtocol
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    public const string V4Base64 = "v4.base64.channel.k8s.io";
    public const byte Stdin = 0, Stdout = 1, Stderr = 2, Error = 3, Resize = 4, Close = 255;

    /// <summary>In our order of preference: the first of these the client offers.</summary>
    public static readonly IReadOnlyList<string> Supported = [V5, V4, V4Base64];

    public static string? Negotiate(IEnumerable<string> offered)
    {
        var set = offered.Select(p => p.Trim()).ToHashSet(StringComparer.Ordinal);
        return Supported.FirstOrDefault(set.Contains);
    }

    public static bool IsBase64(string protocol) => protocol == V4Base64;

    public static (byte[] Message, WebSocketMessageType Type) Encode(string protocol, byte channel, ReadOnlySpan<byte> data)
    {
        if (IsBase64(protocol))
        {
            var text = (char)('0' + channel) + Convert.ToBase64String(data);
            return (Encoding.ASCII.GetBytes(text), WebSocketMessageType.Text);
        }
        var message = new byte[data.Length + 1];
        message[0] = channel;
        data.CopyTo(message.AsSpan(1));
        return (message, WebSocketMessageType.Binary);
    }

    /// <summary>The channel and data of one whole message; null for an empty or malformed message.</summary>
    public static (byte Channel, byte[] Data)? Decode(string protocol, ReadOnlySpan<byte> message)
    {
        if (message.Length == 0) return null;
        if (!IsBase64(protocol)) return (message[0], message[1..].ToArray());
        var channel = message[0] - '0';
        if (channel is < 0 or > 9) return null;
        try
        {
            return ((byte)channel, Convert.FromBase64String(Encoding.ASCII.GetString(message[1..])));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static byte[] SuccessStatus() => Encoding.UTF8.GetBytes("""{"metadata":{},"status":"Success"}""");

    /// <summary>The Status clients turn into the command's exit code.</summary>
    public static byte[] ExitCodeStatus(int exitCode) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = $"command terminated with non-zero exit code: error executing command, exit status {exitCode}",
        ["reason"] = "NonZeroExitCode",
        ["details"] = new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        },
    }.ToJsonString());

    public static byte[] FailureStatus(string message) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = "InternalError",
        ["code"] = 500,
    }.ToJsonString());

    /// <summary>Reads one whole message; null when the peer closed.</summary>
    public static async Task<(byte[] Data, WebSocketMessageType Type)?> ReceiveAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        using var whole = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            whole.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (whole.ToArray(), result.MessageType);
        }
    }
}
