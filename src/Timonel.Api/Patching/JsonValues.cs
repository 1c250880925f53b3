// Small helpers over System.Text.Json.Nodes shared by every patch kind.
//
// JSON null inside a JsonObject or JsonArray is a C# null entry, so "present with null" and
// "absent" differ only through ContainsKey; helpers here keep that distinction explicit.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

internal static class JsonValues
{
    /// <summary>Structural equality; numbers compare by value (1.0 equals 1), objects ignore key order.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }
        switch (a)
        {
            case JsonObject ao when b is JsonObject bo:
                if (ao.Count != bo.Count)
                {
                    return false;
                }
                foreach (var (key, value) in ao)
                {
                    if (!bo.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }
                return true;
            case JsonArray aa when b is JsonArray ba:
                if (aa.Count != ba.Count)
                {
                    return false;
                }
                for (var i = 0; i < aa.Count; i++)
                {
                    if (!DeepEquals(aa[i], ba[i]))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValue av when b is JsonValue bv:
                return ScalarEquals(av, bv);
            default:
                return false;
        }
    }

    private static bool ScalarEquals(JsonValue a, JsonValue b)
    {
        var kind = a.GetValueKind();
        if (kind != b.GetValueKind())
        {
            return false;
        }
        return kind switch
        {
            JsonValueKind.String => a.GetValue<string>() == b.GetValue<string>(),
            JsonValueKind.Number => NumberEquals(a.ToJsonString(), b.ToJsonString()),
            _ => true, // true, false and null carry no further payload
        };
    }

    private static bool NumberEquals(string a, string b)
    {
        if (a == b)
        {
            return true;
        }
        if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var da)
            && decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var db))
        {
            return da == db;
        }
        return double.Parse(a, CultureInfo.InvariantCulture) == double.Parse(b, CultureInfo.InvariantCulture);
    }

    public static JsonNode? Clone(JsonNode? node) => node?.DeepClone();

    /// <summary>Parses text that came from stored data (e.g. a fieldsV1 key); null when it is not JSON.</summary>
    public static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static bool IsString(JsonNode? node, out string value)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            value = v.GetValue<string>();
            return true;
        }
        value = "";
        return false;
    }

    /// <summary>A canonical compact text for a scalar or tree, used as a dictionary key.</summary>
    public static string Compact(JsonNode? node) => node?.ToJsonString() ?? "null";

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        _ => node.GetValueKind().ToString().ToLowerInvariant(),
    };
}
