using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Protobuf;

/// <summary>
/// Decodes one scalar or specially encoded value (Time, Quantity, IntOrString, raw JSON). A null
/// value means "nothing to write" (the JSON API writes null, e.g. for a zero Time).
/// </summary>
internal static class ValueDecoder
{
    // The range DateTimeOffset can hold; Go's RFC 3339 output is four-digit years too.
    private const long MinUnixSeconds = -62135596800;
    private const long MaxUnixSeconds = 253402300799;

    public static bool IsVarint(ValueKind kind) => kind is ValueKind.Int32 or ValueKind.Int64 or ValueKind.Bool;

    public static JsonNode? Zero(ValueKind kind) => kind switch
    {
        ValueKind.String or ValueKind.Bytes => JsonValue.Create(""),
        ValueKind.Int32 or ValueKind.Int64 or ValueKind.IntOrString => JsonValue.Create(0),
        ValueKind.Bool => JsonValue.Create(false),
        ValueKind.Quantity => JsonValue.Create("0"),
        ValueKind.Message => new JsonObject(),
        _ => null,
    };

    public static string? Read(
        MessageSchema schema, FieldSchema field, WireType wire, ref WireReader reader,
        out JsonNode? value, out bool isZero)
    {
        value = null;
        isZero = false;
        if (IsVarint(field.Kind))
        {
            if (wire != WireType.Varint || !reader.TryReadVarint(out var raw))
            {
                return MessageDecoder.Malformed(schema, field, wire);
            }
            isZero = raw == 0;
            value = field.Kind switch
            {
                // int32 negatives arrive sign-extended to 64 bits; the cast keeps the low half.
                ValueKind.Int32 => JsonValue.Create(unchecked((int)raw)),
                ValueKind.Int64 => JsonValue.Create(unchecked((long)raw)),
                _ => JsonValue.Create(raw != 0),
            };
            return null;
        }
        if (wire != WireType.LengthDelimited || !reader.TryReadLengthDelimited(out var bytes))
        {
            return MessageDecoder.Malformed(schema, field, wire);
        }
        var where = $"{schema.Name}.{field.JsonName}";
        switch (field.Kind)
        {
            case ValueKind.String:
                isZero = bytes.IsEmpty;
                value = JsonValue.Create(Encoding.UTF8.GetString(bytes));
                return null;
            case ValueKind.Bytes:
                isZero = bytes.IsEmpty;
                value = JsonValue.Create(Convert.ToBase64String(bytes));
                return null;
            case ValueKind.Quantity:
                return ReadQuantity(where, bytes, out value);
            case ValueKind.Time:
                return ReadTime(where, bytes, out value);
            case ValueKind.IntOrString:
                return ReadIntOrString(where, bytes, out value);
            case ValueKind.RawJson:
                return ReadRawJson(where, bytes, out value);
            default:
                return $"{where}: not a scalar (schema bug)";
        }
    }

    /// <summary>resource.Quantity: {string = 1}; the zero quantity prints as "0".</summary>
    private static string? ReadQuantity(string where, ReadOnlySpan<byte> bytes, out JsonNode? value)
    {
        value = null;
        var text = "0";
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var number, out var wire) || number != 1
                || wire != WireType.LengthDelimited || !reader.TryReadLengthDelimited(out var s))
            {
                return $"{where}: malformed Quantity";
            }
            text = s.IsEmpty ? "0" : Encoding.UTF8.GetString(s);
        }
        value = JsonValue.Create(text);
        return null;
    }

    /// <summary>
    /// meta/v1 Time: {seconds = 1, nanos = 2}. An empty message is the zero time, which JSON
    /// writes as null (so it is left out). JSON has whole seconds: metav1.Time drops nanos.
    /// </summary>
    private static string? ReadTime(string where, ReadOnlySpan<byte> bytes, out JsonNode? value)
    {
        value = null;
        if (bytes.IsEmpty)
        {
            return null;
        }
        long seconds = 0;
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var number, out var wire) || wire != WireType.Varint
                || !reader.TryReadVarint(out var raw) || number is not (1 or 2))
            {
                return $"{where}: malformed Time";
            }
            if (number == 1)
            {
                seconds = unchecked((long)raw);
            }
        }
        if (seconds is < MinUnixSeconds or > MaxUnixSeconds)
        {
            return $"{where}: Time out of range ({seconds} s)";
        }
        var utc = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        value = JsonValue.Create(utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        return null;
    }

    /// <summary>intstr.IntOrString: {type = 1 (0 int, 1 string), intVal = 2, strVal = 3}.</summary>
    private static string? ReadIntOrString(string where, ReadOnlySpan<byte> bytes, out JsonNode? value)
    {
        value = null;
        ulong type = 0;
        var intValue = 0;
        var stringValue = "";
        var reader = new WireReader(bytes);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var number, out var wire))
            {
                return $"{where}: malformed IntOrString";
            }
            var ok = (number, wire) switch
            {
                (1, WireType.Varint) => reader.TryReadVarint(out type),
                (2, WireType.Varint) => ReadInt32(ref reader, out intValue),
                (3, WireType.LengthDelimited) => ReadString(ref reader, out stringValue),
                _ => false,
            };
            if (!ok)
            {
                return $"{where}: malformed IntOrString";
            }
        }
        value = type switch
        {
            0 => JsonValue.Create(intValue),
            1 => JsonValue.Create(stringValue),
            _ => null,
        };
        return value is null ? $"{where}: IntOrString type {type} is neither 0 (int) nor 1 (string)" : null;
    }

    /// <summary>meta/v1 FieldsV1 and runtime.RawExtension: bytes field 1 holding JSON.</summary>
    private static string? ReadRawJson(string where, ReadOnlySpan<byte> bytes, out JsonNode? value)
    {
        value = null;
        var reader = new WireReader(bytes);
        ReadOnlySpan<byte> raw = default;
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var number, out var wire) || number != 1
                || wire != WireType.LengthDelimited || !reader.TryReadLengthDelimited(out raw))
            {
                return $"{where}: malformed raw JSON holder";
            }
        }
        if (raw.IsEmpty)
        {
            return null;
        }
        try
        {
            value = JsonNode.Parse(raw);
            return null;
        }
        catch (JsonException e)
        {
            return $"{where}: embedded bytes are not JSON ({e.Message})";
        }
    }

    private static bool ReadInt32(ref WireReader reader, out int value)
    {
        var ok = reader.TryReadVarint(out var raw);
        value = unchecked((int)raw);
        return ok;
    }

    private static bool ReadString(ref WireReader reader, out string value)
    {
        var ok = reader.TryReadLengthDelimited(out var bytes);
        value = ok ? Encoding.UTF8.GetString(bytes) : "";
        return ok;
    }
}
