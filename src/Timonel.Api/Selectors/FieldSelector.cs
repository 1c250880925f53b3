using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Selectors;

/// <summary>One field requirement: a dotted path, equal or not equal to a value.</summary>
public sealed record FieldRequirement(string Field, bool Equal, string Value);

/// <summary>
/// A field selector (<c>spec.nodeName=n1,status.phase!=Running</c>). Fields are dotted paths into the
/// object's JSON; a missing field reads as "". Every requirement must hold.
/// </summary>
public sealed class FieldSelector
{
    private FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    /// <summary>The value required for <paramref name="field"/> by an equality requirement, if any.</summary>
    public string? RequiredValue(string field) =>
        Requirements.FirstOrDefault(r => r.Equal && r.Field == field)?.Value;

    public static bool TryParse(string? text, out FieldSelector selector, out string? error)
    {
        selector = Everything;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        var reqs = new List<FieldRequirement>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            int i;
            if ((i = part.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                reqs.Add(new(part[..i].Trim(), false, part[(i + 2)..].Trim()));
            }
            else if ((i = part.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                reqs.Add(new(part[..i].Trim(), true, part[(i + 2)..].Trim()));
            }
            else if ((i = part.IndexOf('=', StringComparison.Ordinal)) > 0)
            {
                reqs.Add(new(part[..i].Trim(), true, part[(i + 1)..].Trim()));
            }
            else
            {
                error = $"invalid selector: '{text}'; can't understand '{part}'";
                return false;
            }
        }
        selector = new(reqs);
        return true;
    }

    public bool Matches(JsonObject obj) => Requirements.All(r => (ValueAt(obj, r.Field) == r.Value) == r.Equal);

    /// <summary>The string value at a dotted path ("" when absent); booleans and numbers as JSON text.</summary>
    public static string ValueAt(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject o ? o[segment] : null;
            if (node is null)
            {
                return "";
            }
        }
        return node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => node.ToJsonString(),
            _ => "",
        };
    }
}
