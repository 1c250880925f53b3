using System.Text;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// The HTTP/1.1 side of a SPDY/3.1 connection: the upgrade request a client sends on a fresh
/// connection (the runtime's streaming server wants <c>POST</c>, <c>Upgrade: SPDY/3.1</c> and the
/// stream protocol in <c>X-Stream-Protocol-Version</c>), and the response head read without
/// consuming a byte of the SPDY frames that follow it.
/// </summary>
public static class SpdyUpgrade
{
    public const string Protocol = "SPDY/3.1";
    public const string ProtocolVersionHeader = "X-Stream-Protocol-Version";

    /// <summary>Sends the upgrade; the result is the 101's head, or the refusal's status line as an error.</summary>
    public static async Task<(string? Head, string? Error)> RequestAsync(Stream transport, Uri url, string streamProtocol, CancellationToken ct)
    {
        var request = $"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nConnection: Upgrade\r\nUpgrade: {Protocol}\r\n" +
                      $"{ProtocolVersionHeader}: {streamProtocol}\r\nContent-Length: 0\r\n\r\n";
        await transport.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
        await transport.FlushAsync(ct);
        var head = await ReadResponseHeadAsync(transport, ct);
        return head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)
            ? (head, null)
            : (null, head.Length == 0 ? "the connection closed before an answer" : head.Split("\r\n")[0]);
    }

    /// <summary>A header's value in a response head (names compared without case); null when absent.</summary>
    public static string? Header(string head, string name) => head.Split("\r\n").Skip(1)
        .Select(line => line.Split(':', 2))
        .Where(parts => parts.Length == 2 && parts[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
        .Select(parts => parts[1].Trim())
        .FirstOrDefault();

    /// <summary>The status line and headers, read a byte at a time so no SPDY frame byte is consumed.</summary>
    private static async Task<string> ReadResponseHeadAsync(Stream transport, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 16 * 1024)
        {
            if (await transport.ReadAsync(one, ct) == 0) break;
            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r') break;
        }
        return Encoding.ASCII.GetString([.. head]);
    }
}
