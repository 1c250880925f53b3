using System.Text;
using System.Text.Json;
using Timonel.Api.Selectors;

namespace Timonel.ApiServer.Storage;

/// <summary>What a list asks for: selectors, page size, continuation and revision semantics.</summary>
public sealed record ListOptions
{
    public LabelSelector Labels { get; init; } = LabelSelector.Everything;
    public FieldSelector Fields { get; init; } = FieldSelector.Everything;
    public int Limit { get; init; }
    public string? Continue { get; init; }
    /// <summary>"" newest, "0" any, or a revision.</summary>
    public string ResourceVersion { get; init; } = "";
    /// <summary>"", "NotOlderThan" or "Exact".</summary>
    public string ResourceVersionMatch { get; init; } = "";
}

/// <summary>The continue token: the revision of the first page and the key to start after.</summary>
public sealed record ContinueToken(long Revision, string StartKey)
{
    public string Encode() =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["v"] = "meta.k8s.io/v1", ["rv"] = Revision, ["start"] = StartKey }))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static ContinueToken? TryDecode(string token)
    {
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(b64)));
            var rv = doc.RootElement.GetProperty("rv").GetInt64();
            var start = doc.RootElement.GetProperty("start").GetString();
            return start is null || rv <= 0 ? null : new(rv, start);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
