using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>Key checks shared by ConfigMaps and Secrets: valid keys, no key in both maps, immutability.</summary>
internal static class ConfigData
{
    public const string ImmutableMessage = "field is immutable when `immutable` is set";

    public static void Keys(JsonObject obj, string[] maps, List<ErrorCause> causes)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var map in maps)
        {
            foreach (var (key, _) in Json.Obj(obj, map) ?? [])
            {
                if (!Names.IsConfigKey(key)) causes.Add(FieldErrors.Invalid($"{map}[{key}]", key, Names.ConfigKeyMessage));
                if (!seen.Add(key)) causes.Add(FieldErrors.Invalid($"{map}[{key}]", key, "duplicate of key present in data"));
            }
        }
    }

    /// <summary>Once an object is marked immutable its data and the mark itself stay as they are.</summary>
    public static void Immutable(JsonObject obj, JsonObject? old, string[] maps, List<ErrorCause> causes)
    {
        if (old is null || Json.Bool(old, "immutable") != true) return;
        if (Json.Bool(obj, "immutable") != true) causes.Add(FieldErrors.Forbidden("immutable", ImmutableMessage));
        foreach (var map in maps)
        {
            if (!JsonNode.DeepEquals(Json.Obj(obj, map) ?? [], Json.Obj(old, map) ?? [])) causes.Add(FieldErrors.Forbidden(map, ImmutableMessage));
        }
    }
}

public sealed class ConfigMapStrategy : IKindStrategy
{
    private static readonly string[] Maps = ["data", "binaryData"];

    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        ConfigData.Keys(obj, Maps, causes);
        ConfigData.Immutable(obj, old, Maps, causes);
        return causes;
    }
}

/// <summary>core/v1 Secret: type Opaque by default; stringData is a write-only convenience folded into data.</summary>
public sealed class SecretStrategy : IKindStrategy
{
    private static readonly string[] Maps = ["data"];

    public void Default(JsonObject obj)
    {
        Json.SetDefault(obj, "type", "Opaque");
        if (obj["stringData"] is JsonObject stringData)
        {
            var data = Json.Child(obj, "data");
            foreach (var (key, value) in stringData)
            {
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
            }
        }
        obj.Remove("stringData");
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        ConfigData.Keys(obj, Maps, causes);
        foreach (var (key, value) in Json.Obj(obj, "data") ?? [])
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var s) || !IsBase64(s))
            {
                causes.Add(FieldErrors.Invalid($"data[{key}]", "<secret contents redacted>", "must be base64-encoded"));
            }
        }
        var type = Json.Str(obj, "type");
        TypedKeys(obj, type, causes);
        if (old is not null && type != Json.Str(old, "type")) causes.Add(FieldErrors.Invalid("type", type ?? "", "field is immutable"));
        ConfigData.Immutable(obj, old, Maps, causes);
        return causes;
    }

    /// <summary>Typed secrets carry the keys their consumers read (TLS servers, image pullers, token readers).</summary>
    private static void TypedKeys(JsonObject obj, string? type, List<ErrorCause> causes)
    {
        var data = Json.Obj(obj, "data");
        string[] required = type switch
        {
            "kubernetes.io/tls" => ["tls.crt", "tls.key"],
            "kubernetes.io/dockerconfigjson" => [".dockerconfigjson"],
            "kubernetes.io/dockercfg" => [".dockercfg"],
            "kubernetes.io/basic-auth" => [],
            "kubernetes.io/ssh-auth" => ["ssh-privatekey"],
            _ => [],
        };
        foreach (var key in required)
        {
            if (data?[key] is null) causes.Add(FieldErrors.Required($"data[{key}]"));
        }
        if (type == "kubernetes.io/service-account-token"
            && string.IsNullOrEmpty(Json.Str(Json.Obj(Json.Obj(obj, "metadata"), "annotations"), "kubernetes.io/service-account.name")))
        {
            causes.Add(FieldErrors.Required("metadata.annotations[kubernetes.io/service-account.name]"));
        }
    }

    private static bool IsBase64(string s)
    {
        var buffer = new byte[(s.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(s, buffer, out _);
    }
}
