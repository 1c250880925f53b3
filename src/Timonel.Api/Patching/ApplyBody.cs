// The body of an apply request (application/apply-patch+yaml): YAML or JSON (kubectl sends
// JSON, which is YAML too), one document holding one object.
//
//   PatchOutcome ApplyBody.Parse(string text)     Result is the object as a JsonObject
//
// Untagged plain YAML scalars resolve by the YAML 1.2 core schema (null, booleans, integers,
// floats); quoted scalars are always strings, so "80" stays a string and 80 becomes a number.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Timonel.Api.Patching;

public static partial class ApplyBody
{
    public static PatchOutcome Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{'))
        {
            try
            {
                return JsonNode.Parse(trimmed) is JsonObject json
                    ? PatchOutcome.Ok(json)
                    : PatchFailure.Bad("apply body must be an object");
            }
            catch (JsonException e)
            {
                return PatchFailure.Bad($"error decoding apply body as JSON: {e.Message}");
            }
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return PatchFailure.Bad($"error decoding apply body as YAML: {e.Message}");
        }
        if (stream.Documents.Count != 1)
        {
            return PatchFailure.Bad($"apply body must hold exactly one YAML document, found {stream.Documents.Count}");
        }
        return ToJson(stream.Documents[0].RootNode) is JsonObject obj
            ? PatchOutcome.Ok(obj)
            : PatchFailure.Bad("apply body must be an object");
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => MapToJson(map),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    // A repeated key keeps its last value (upstream's strict decoding would refuse the body).
    private static JsonObject MapToJson(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = key is YamlScalarNode scalar ? scalar.Value ?? "" : key.ToString();
            obj[name] = ToJson(value);
        }
        return obj;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float"
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var tagged))
        {
            return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)
                ? Number(whole.ToString(CultureInfo.InvariantCulture))
                : Number(tagged.ToString("R", CultureInfo.InvariantCulture));
        }
        if (scalar.Style is not ScalarStyle.Plain || tag is not null)
        {
            return JsonValue.Create(value);
        }
        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }
        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(value.Equals("true", StringComparison.OrdinalIgnoreCase));
        }
        if (IntegerPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return Number(integer.ToString(CultureInfo.InvariantCulture));
        }
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return Number(real.ToString("R", CultureInfo.InvariantCulture));
        }
        return JsonValue.Create(value);
    }

    // Parsed from canonical JSON text so the value behaves like one read from a JSON body
    // (convertible to any numeric type that holds it).
    private static JsonNode? Number(string canonical) => JsonNode.Parse(canonical);

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
