using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// One change as the watch cache fans it out: the object after (or, for a delete, the deleted
/// object carrying the delete's revision) and before. Both objects are fully materialized and
/// never mutated, so any number of watchers may read them at once. The JSON line of each event
/// type is serialized once, on first use, and shared.
/// </summary>
public sealed class CachedEvent
{
    private readonly byte[]?[] _lines = new byte[]?[3];

    public CachedEvent(long revision, string key, JsonObject? current, JsonObject? previous, bool isDelete)
    {
        Revision = revision;
        Key = key;
        Current = current;
        Previous = previous;
        IsDelete = isDelete;
    }

    public long Revision { get; }
    public string Key { get; }
    /// <summary>The object after the change; for a delete, the deleted object at the delete's revision.</summary>
    public JsonObject? Current { get; }
    /// <summary>The object before the change; null for a create.</summary>
    public JsonObject? Previous { get; }
    public bool IsDelete { get; }

    /// <summary><c>{"type":T,"object":Current}\n</c>, built once per type.</summary>
    public byte[] Line(string type)
    {
        var slot = type switch { "ADDED" => 0, "MODIFIED" => 1, _ => 2 };
        return _lines[slot] ??= Serialize(type, Current!);
    }

    public static byte[] Serialize(string type, JsonObject obj)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonBytes.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            obj.WriteTo(writer);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses every lazily built node now, so later concurrent reads never race to build them.</summary>
    public static JsonObject Materialize(JsonObject obj)
    {
        Touch(obj);
        return obj;
    }

    private static void Touch(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o) Touch(v);
                break;
            case JsonArray a:
                foreach (var v in a) Touch(v);
                break;
        }
    }
}
