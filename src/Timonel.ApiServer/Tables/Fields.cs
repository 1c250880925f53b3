using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Tables;

/// <summary>Tolerant readers over object JSON: a missing or mistyped field reads as absent.</summary>
internal static class Fields
{
    public static JsonNode? At(JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            node = (node as JsonObject)?[p];
        }
        return node;
    }

    public static JsonObject? Obj(JsonNode? node, params string[] path) => At(node, path) as JsonObject;

    public static IEnumerable<JsonObject> Items(JsonNode? node, params string[] path) =>
        (At(node, path) as JsonArray)?.OfType<JsonObject>() ?? [];

    public static int Count(JsonNode? node, params string[] path) => At(node, path) switch
    {
        JsonArray a => a.Count,
        JsonObject o => o.Count,
        _ => 0,
    };

    public static string? Str(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static string Text(JsonNode? node, params string[] path) => Str(node, path) ?? "";

    public static long? Long(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) ? l : null;

    public static long LongOr0(JsonNode? node, params string[] path) => Long(node, path) ?? 0;

    public static bool? Bool(JsonNode? node, params string[] path) =>
        At(node, path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>A scalar as text: strings as they are, numbers in invariant form (int-or-string, quantities).</summary>
    public static string? Scalar(JsonNode? node, params string[] path) => At(node, path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };

    public static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string NoneIfEmpty(string? s) => string.IsNullOrEmpty(s) ? "<none>" : s;

    /// <summary>A label map as "k=v" pairs sorted by key, comma separated; "&lt;none&gt;" when empty.</summary>
    public static string FormatLabels(JsonObject? labels)
    {
        if (labels is null || labels.Count == 0) return "<none>";
        return string.Join(",", labels
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={Scalar(kv.Value) ?? ""}"));
    }

    /// <summary>
    /// A LabelSelector in selector syntax, requirements sorted by key: "app=web,tier in (a,b),!gone".
    /// Null when the selector is malformed (an unknown operator).
    /// </summary>
    public static string? SelectorString(JsonObject? selector)
    {
        if (selector is null) return "";
        var requirements = new List<(string Key, string Text)>();
        foreach (var (key, value) in Obj(selector, "matchLabels") ?? [])
        {
            requirements.Add((key, $"{key}={Scalar(value) ?? ""}"));
        }
        foreach (var expr in Items(selector, "matchExpressions"))
        {
            var key = Text(expr, "key");
            var values = (At(expr, "values") as JsonArray)?.Select(v => Scalar(v) ?? "").Order(StringComparer.Ordinal).ToList() ?? [];
            var text = Str(expr, "operator") switch
            {
                "In" => $"{key} in ({string.Join(",", values)})",
                "NotIn" => $"{key} notin ({string.Join(",", values)})",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                _ => null,
            };
            if (text is null) return null;
            requirements.Add((key, text));
        }
        return string.Join(",", requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary>A LabelSelector for display: "&lt;none&gt;" when it selects by nothing, "&lt;error&gt;" when malformed.</summary>
    public static string FormatLabelSelector(JsonObject? selector)
    {
        var s = SelectorString(selector);
        return s is null ? "<error>" : NoneIfEmpty(s);
    }

    /// <summary>Container names and images of a pod spec, each comma separated.</summary>
    public static (string Names, string Images) ContainerCells(JsonObject? podSpec)
    {
        var containers = Items(podSpec, "containers").ToList();
        return (string.Join(",", containers.Select(c => Text(c, "name"))), string.Join(",", containers.Select(c => Text(c, "image"))));
    }

    /// <summary>"a,b,c + 4 more..." once a list passes its limit.</summary>
    public static string ListWithMore(IReadOnlyList<string> shown, int total, int max, string empty)
    {
        var joined = string.Join(",", shown);
        if (total > max) return $"{joined} + {total - max} more...";
        return joined.Length == 0 ? empty : joined;
    }
}
