using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Api.Protobuf;

/// <summary>
/// Turns protobuf wire bytes into the JSON the Kubernetes JSON API uses for the same object, driven
/// by <see cref="ProtobufSchema"/>. Every method returns null on success or the error: input
/// is untrusted, so nothing here throws for bad bytes.
/// </summary>
internal static class MessageDecoder
{
    /// <summary>Deeper than any real object (PodSpec is about 8 levels); stops hostile nesting.</summary>
    private const int MaxDepth = 48;

    public static ProtobufDecodeError? Decode(MessageSchema schema, ReadOnlySpan<byte> data, JsonObject target, int depth)
    {
        if (depth > MaxDepth)
        {
            return Bad($"{schema.Name}: nested more than {MaxDepth} messages deep");
        }
        var reader = new WireReader(data);
        while (!reader.AtEnd)
        {
            var start = reader.Position;
            if (!reader.TryReadTag(out var number, out var wire))
            {
                return Bad($"{schema.Name}: malformed field tag at byte {start}");
            }
            if (!schema.Fields.TryGetValue(number, out var field))
            {
                return new(ProtobufDecodeFailure.Unsupported,
                    $"{schema.Name}: unknown field number {number} (wire type {(int)wire}); "
                    + "Timonel's protobuf table does not cover it, send JSON instead");
            }
            var error = field.Shape switch
            {
                FieldShape.Single => DecodeSingle(schema, field, wire, ref reader, target, depth),
                FieldShape.Repeated => DecodeRepeated(schema, field, wire, ref reader, target, depth),
                _ => DecodeMapEntry(schema, field, wire, ref reader, target, depth),
            };
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    private static ProtobufDecodeError? DecodeSingle(
        MessageSchema schema, FieldSchema field, WireType wire, ref WireReader reader, JsonObject target, int depth)
    {
        if (field.Kind == ValueKind.Message)
        {
            if (wire != WireType.LengthDelimited || !reader.TryReadLengthDelimited(out var bytes))
            {
                return Bad(Malformed(schema, field, wire));
            }
            // A repeated occurrence of a message field merges into the first, as protobuf does.
            var into = field.Inline ? target : target[field.JsonName] as JsonObject ?? new JsonObject();
            if (!field.Inline)
            {
                target[field.JsonName] = into;
            }
            return Decode(field.Message!, bytes, into, depth + 1);
        }
        var error = ValueDecoder.Read(schema, field, wire, ref reader, out var value, out var isZero);
        if (error is not null)
        {
            return Bad(error);
        }
        if (value is null || (isZero && !field.Keep))
        {
            target.Remove(field.JsonName);
        }
        else
        {
            target[field.JsonName] = value;
        }
        return null;
    }

    private static ProtobufDecodeError? DecodeRepeated(
        MessageSchema schema, FieldSchema field, WireType wire, ref WireReader reader, JsonObject target, int depth)
    {
        if (target[field.JsonName] is not JsonArray array)
        {
            array = [];
            target[field.JsonName] = array;
        }
        if (field.Kind == ValueKind.Message)
        {
            if (wire != WireType.LengthDelimited || !reader.TryReadLengthDelimited(out var bytes))
            {
                return Bad(Malformed(schema, field, wire));
            }
            var item = new JsonObject();
            array.Add(item);
            return Decode(field.Message!, bytes, item, depth + 1);
        }
        if (wire == WireType.LengthDelimited && ValueDecoder.IsVarint(field.Kind))
        {
            // Packed encoding: one length-delimited run of varints.
            if (!reader.TryReadLengthDelimited(out var packed))
            {
                return Bad(Malformed(schema, field, wire));
            }
            var inner = new WireReader(packed);
            while (!inner.AtEnd)
            {
                var error = ValueDecoder.Read(schema, field, WireType.Varint, ref inner, out var element, out _);
                if (error is not null)
                {
                    return Bad(error);
                }
                array.Add(element);
            }
            return null;
        }
        var itemError = ValueDecoder.Read(schema, field, wire, ref reader, out var value, out _);
        array.Add(value);
        return itemError is null ? null : Bad(itemError);
    }

    private static ProtobufDecodeError? DecodeMapEntry(
        MessageSchema schema, FieldSchema field, WireType wire, ref WireReader reader, JsonObject target, int depth)
    {
        if (wire != WireType.LengthDelimited || !reader.TryReadLengthDelimited(out var entry))
        {
            return Bad(Malformed(schema, field, wire));
        }
        if (target[field.JsonName] is not JsonObject map)
        {
            map = [];
            target[field.JsonName] = map;
        }
        var key = "";
        JsonNode? value = null;
        var entryReader = new WireReader(entry);
        while (!entryReader.AtEnd)
        {
            if (!entryReader.TryReadTag(out var number, out var entryWire))
            {
                return Bad($"{schema.Name}.{field.JsonName}: malformed map entry");
            }
            if (number == 1 && entryWire == WireType.LengthDelimited
                && entryReader.TryReadLengthDelimited(out var keyBytes))
            {
                key = Encoding.UTF8.GetString(keyBytes);
            }
            else if (number == 2 && field.Kind == ValueKind.Message)
            {
                if (entryWire != WireType.LengthDelimited || !entryReader.TryReadLengthDelimited(out var bytes))
                {
                    return Bad(Malformed(schema, field, entryWire));
                }
                var item = value as JsonObject ?? [];
                value = item;
                var error = Decode(field.Message!, bytes, item, depth + 1);
                if (error is not null)
                {
                    return error;
                }
            }
            else if (number == 2)
            {
                var error = ValueDecoder.Read(schema, field, entryWire, ref entryReader, out value, out _);
                if (error is not null)
                {
                    return Bad(error);
                }
            }
            else
            {
                return Bad($"{schema.Name}.{field.JsonName}: unexpected field {number} in a map entry");
            }
        }
        // An entry without a value holds the value type's zero, which JSON writes out.
        map[key] = value ?? ValueDecoder.Zero(field.Kind);
        return null;
    }

    private static ProtobufDecodeError Bad(string message) => new(ProtobufDecodeFailure.Malformed, message);

    internal static string Malformed(MessageSchema schema, FieldSchema field, WireType wire) =>
        $"{schema.Name}.{field.JsonName} (field {field.Number}): malformed value or unexpected wire type {(int)wire}";
}
