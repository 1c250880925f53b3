using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// Builds causes worded as upstream's field errors, so kubectl prints the same
/// <c>field: Required value</c> lines a Kubernetes user knows.
/// </summary>
public static class FieldErrors
{
    public static ErrorCause Required(string field, string? detail = null) =>
        new(CauseReasons.Required, detail is null ? "Required value" : $"Required value: {detail}", field);

    public static ErrorCause Invalid(string field, JsonNode? value, string detail) =>
        new(CauseReasons.Invalid, $"Invalid value: {Show(value)}: {detail}", field);

    public static ErrorCause Invalid(string field, string value, string detail) => Invalid(field, JsonValue.Create(value), detail);

    public static ErrorCause Invalid(string field, long value, string detail) => Invalid(field, JsonValue.Create(value), detail);

    public static ErrorCause NotSupported(string field, JsonNode? value, params string[] supported) =>
        new(CauseReasons.NotSupported,
            $"Unsupported value: {Show(value)}: supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}", field);

    public static ErrorCause Duplicate(string field, JsonNode? value) =>
        new(CauseReasons.Duplicate, $"Duplicate value: {Show(value)}", field);

    public static ErrorCause NotFound(string field, JsonNode? value) =>
        new(CauseReasons.NotFound, $"Not found: {Show(value)}", field);

    public static ErrorCause Forbidden(string field, string detail) =>
        new(CauseReasons.Forbidden, $"Forbidden: {detail}", field);

    /// <summary>Strings quoted, numbers and booleans bare, other values as JSON: as upstream prints them since v1.34.</summary>
    public static string Show(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => Quote(s),
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => value.ToJsonString(JsonOptions),
    };

    /// <summary>A double-quoted string with only quotes, backslashes and control characters escaped, like Go's %q.</summary>
    public static string Quote(string s) => JsonValue.Create(s).ToJsonString(JsonOptions);

    /// <summary>Go's encoder escapes only what JSON requires (and HTML characters, which field values rarely hold).</summary>
    public static readonly System.Text.Json.JsonSerializerOptions JsonOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
