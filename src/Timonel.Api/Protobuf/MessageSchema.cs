namespace Timonel.Api.Protobuf;

internal enum FieldShape
{
    Single,
    Repeated,
    /// <summary>map&lt;string, V&gt;: repeated entry messages, key = 1, value = 2.</summary>
    Map,
}

internal enum ValueKind
{
    String,
    Int32,
    Int64,
    Bool,
    Bytes,
    /// <summary>meta/v1 Time {seconds = 1, nanos = 2}; JSON is RFC 3339 in UTC, whole seconds.</summary>
    Time,
    /// <summary>resource.Quantity {string = 1}; JSON is that string.</summary>
    Quantity,
    /// <summary>intstr.IntOrString {type = 1 (0 int, 1 string), intVal = 2, strVal = 3}.</summary>
    IntOrString,
    /// <summary>A message whose bytes field 1 holds JSON (meta/v1 FieldsV1, runtime.RawExtension).</summary>
    RawJson,
    Message,
}

/// <param name="Keep">Zero scalars are written too (Go pointer, or json tag without omitempty).</param>
/// <param name="Inline">The sub-message's fields go into the parent's object (Go embedded struct).</param>
internal sealed record FieldSchema(
    int Number, string JsonName, FieldShape Shape, ValueKind Kind, MessageSchema? Message, bool Keep, bool Inline);

internal sealed class MessageSchema(string name)
{
    public string Name { get; } = name;

    /// <summary>Filled while the schema is built, read-only afterwards.</summary>
    public Dictionary<int, FieldSchema> Fields { get; } = [];

    public override string ToString() => Name;
}
