using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>Checks every object's metadata as upstream does: names, labels, annotations.</summary>
public static partial class MetadataValidation
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    /// <summary>Kinds whose names must be DNS labels (RFC 1123) rather than subdomains.</summary>
    private static readonly HashSet<string> LabelNamedKinds = ["Namespace", "Service"];

    public static IReadOnlyList<ErrorCause> Validate(JsonObject obj, string kind)
    {
        var causes = new List<ErrorCause>();
        var meta = obj["metadata"] as JsonObject;
        var name = meta?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            causes.Add(new(CauseReasons.Required, "Required value: name or generateName is required", "metadata.name"));
        }
        else if (LabelNamedKinds.Contains(kind))
        {
            if (name.Length > 63 || !Label().IsMatch(name))
            {
                causes.Add(new(CauseReasons.Invalid,
                    $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                    "metadata.name"));
            }
        }
        else if (name.Length > 253 || !Subdomain().IsMatch(name))
        {
            causes.Add(new(CauseReasons.Invalid,
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "metadata.name"));
        }
        if (meta?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (!ValidQualifiedName(key))
                {
                    causes.Add(new(CauseReasons.Invalid, $"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", "metadata.labels"));
                }
                var v = value is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : null;
                if (v is null || v.Length > 63 || !LabelValue().IsMatch(v))
                {
                    causes.Add(new(CauseReasons.Invalid, $"Invalid value: \"{value?.ToJsonString()}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", "metadata.labels"));
                }
            }
        }
        if (meta?["annotations"] is JsonObject annotations)
        {
            foreach (var (key, value) in annotations)
            {
                if (!ValidQualifiedName(key))
                {
                    causes.Add(new(CauseReasons.Invalid, $"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", "metadata.annotations"));
                }
                if (value is not JsonValue av || !av.TryGetValue<string>(out _))
                {
                    causes.Add(new(CauseReasons.Invalid, $"Invalid value: {value?.ToJsonString() ?? "null"}: annotation values must be strings", $"metadata.annotations"));
                }
            }
        }
        return causes;
    }

    public static bool ValidQualifiedName(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash >= 0 ? key[..slash] : null;
        var name = slash >= 0 ? key[(slash + 1)..] : key;
        if (prefix is not null && (prefix.Length == 0 || prefix.Length > 253 || !Subdomain().IsMatch(prefix)))
        {
            return false;
        }
        return name.Length is > 0 and <= 63 && QualifiedNamePart().IsMatch(name);
    }
}
