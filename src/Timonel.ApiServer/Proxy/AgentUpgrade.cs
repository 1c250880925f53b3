using System.Globalization;
using System.Text;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// A SPDY/3.1 upgrade request to an agent on a bare connection, and its answer: 101 with the
/// stream protocol the agent chose, or the agent's error status and text.
/// </summary>
public static class AgentUpgrade
{
    public const string Spdy = "SPDY/3.1";
    public const string ProtocolVersionHeader = "X-Stream-Protocol-Version";
    private const int MaxHead = 16 * 1024, MaxBody = 64 * 1024;

    public sealed record Answer(int Status, string? ProtocolVersion, string Body);

    public static async Task<Answer> RequestAsync(Stream agent, Uri agentBase, string pathAndQuery, string streamProtocols, CancellationToken ct)
    {
        var request = $"POST {pathAndQuery} HTTP/1.1\r\nHost: {agentBase.Authority}\r\nConnection: Upgrade\r\nUpgrade: {Spdy}\r\n" +
                      $"{ProtocolVersionHeader}: {streamProtocols}\r\nContent-Length: 0\r\n\r\n";
        await agent.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
        await agent.FlushAsync(ct);
        var head = await ReadHeadAsync(agent, ct);
        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return new Answer(502, null, head.Length == 0 ? "the node agent closed the connection" : "the node agent answered: " + lines[0]);
        }
        string? Header(string name) => lines.Skip(1).Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();
        if (status == 101) return new Answer(101, Header(ProtocolVersionHeader), "");
        // Non-101 answers are short texts with a length (the agent's WriteTextAsync).
        var length = int.TryParse(Header("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Min(l, MaxBody) : 0;
        var body = new byte[length];
        try
        {
            await agent.ReadExactlyAsync(body, ct);
        }
        catch (EndOfStreamException)
        {
        }
        return new Answer(status, null, Encoding.UTF8.GetString(body).Trim());
    }

    /// <summary>Read a byte at a time so no byte of the SPDY session after the head is consumed.</summary>
    private static async Task<string> ReadHeadAsync(Stream agent, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < MaxHead)
        {
            if (await agent.ReadAsync(one, ct) == 0) break;
            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r') break;
        }
        return Encoding.ASCII.GetString([.. head]).TrimEnd();
    }
}
