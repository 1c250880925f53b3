using System.Text.Json.Nodes;

namespace Timonel.Api.Strategies;

/// <summary>Small accessors for the untyped JSON objects the strategies default and check.</summary>
internal static class Json
{
    /// <summary>The child object under <paramref name="key"/>, created (and stored) when absent.</summary>
    public static JsonObject Child(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject child) return child;
        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    public static JsonObject? Obj(JsonNode? parent, string key) => (parent as JsonObject)?[key] as JsonObject;

    public static JsonArray? Arr(JsonNode? parent, string key) => (parent as JsonObject)?[key] as JsonArray;

    public static IEnumerable<(JsonObject Item, int Index)> Items(JsonNode? parent, string key) =>
        Arr(parent, key) is { } arr
            ? arr.Select((n, i) => (n as JsonObject, i)).Where(t => t.Item1 is not null).Select(t => (t.Item1!, t.i))
            : [];

    public static string? Str(JsonNode? parent, string key) =>
        (parent as JsonObject)?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Int(JsonNode? parent, string key)
    {
        if ((parent as JsonObject)?[key] is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        return v.TryGetValue<double>(out var d) && d == Math.Floor(d) ? (long)d : null;
    }

    public static bool? Bool(JsonNode? parent, string key) =>
        (parent as JsonObject)?[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    /// <summary>Sets <paramref name="key"/> only when the client left it out (null counts as left out).</summary>
    public static void SetDefault(JsonObject obj, string key, JsonNode value)
    {
        if (obj[key] is null) obj[key] = value;
    }

    public static bool Has(JsonNode? parent, string key) => (parent as JsonObject)?[key] is not null;
}
