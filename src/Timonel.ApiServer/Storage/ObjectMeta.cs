using System.Globalization;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Storage;

/// <summary>Reads and writes the metadata fields of an object held as JSON.</summary>
public static class ObjectMeta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject m)
        {
            return m;
        }
        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string? Str(JsonObject? obj, string field) =>
        obj?[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static string? Name(JsonObject obj) => Str(obj["metadata"] as JsonObject, "name");
    public static string? Namespace(JsonObject obj) => Str(obj["metadata"] as JsonObject, "namespace");
    public static string? ResourceVersion(JsonObject obj) => Str(obj["metadata"] as JsonObject, "resourceVersion");
    public static string? Uid(JsonObject obj) => Str(obj["metadata"] as JsonObject, "uid");
    public static JsonObject? Labels(JsonObject obj) => (obj["metadata"] as JsonObject)?["labels"] as JsonObject;
    public static bool IsDeleting(JsonObject obj) => (obj["metadata"] as JsonObject)?["deletionTimestamp"] is not null;

    public static IReadOnlyList<string> Finalizers(JsonObject obj) =>
        ((obj["metadata"] as JsonObject)?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>() ?? "").ToList() ?? [];

    public static long Generation(JsonObject obj) =>
        (obj["metadata"] as JsonObject)?["generation"] is JsonValue v && v.TryGetValue<long>(out var g) ? g : 0;

    /// <summary>RFC 3339 with seconds, as Kubernetes writes timestamps.</summary>
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
