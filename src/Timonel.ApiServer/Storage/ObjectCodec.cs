using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Storage;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// How objects live in the store: compact JSON without <c>metadata.resourceVersion</c>, which is
/// always the key's mod revision and is put back when the object is read.
/// </summary>
public static class ObjectCodec
{
    public static byte[] Encode(JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject;
        var rv = meta?["resourceVersion"];
        if (rv is not null)
        {
            meta!.Remove("resourceVersion");
        }
        var bytes = JsonBytes.ToUtf8(obj);
        if (rv is not null)
        {
            meta!["resourceVersion"] = rv;
        }
        return bytes;
    }

    public static JsonObject Decode(KeyValue kv) => Decode(kv.Value.Span, kv.ModRevision);

    public static JsonObject Decode(ReadOnlySpan<byte> value, long revision)
    {
        var obj = JsonNode.Parse(value) as JsonObject ?? throw new InvalidDataException("stored object is not a JSON object");
        SetResourceVersion(obj, revision);
        return obj;
    }

    public static void SetResourceVersion(JsonObject obj, long revision)
    {
        var meta = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = meta;
        meta["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
