using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// Compact JSON as Kubernetes writes it: quotes escaped as <c>\"</c>, not <c>\u0022</c>, and
/// non-ASCII text kept as is. Used for stored values, responses and watch events alike.
/// </summary>
public static class JsonBytes
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static byte[] ToUtf8(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
