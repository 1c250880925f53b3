using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// Writes a stored object (compact JSON without <c>metadata.resourceVersion</c>) with its
/// resourceVersion put back, by splicing bytes: the top-level <c>metadata</c> object is found with a
/// forward-only reader (values skipped, nothing allocated) and the field is inserted first in it.
/// </summary>
public static class StoredJson
{
    private static readonly byte[] MetadataName = "metadata"u8.ToArray();

    public static void WriteWithResourceVersion(IBufferWriter<byte> output, ReadOnlySpan<byte> json, long revision)
    {
        Span<byte> rv = stackalloc byte[64];
        var rvLength = ResourceVersionField(revision, rv);
        var insertAt = MetadataStart(json, out var metadataEmpty);
        if (insertAt < 0)
        {
            // No metadata at all: open the object with one.
            output.Write("{\"metadata\":{"u8);
            output.Write(rv[..rvLength]);
            output.Write(json.Length > 2 ? "},"u8 : "}"u8);
            output.Write(json[1..]);
            return;
        }
        output.Write(json[..(insertAt + 1)]);
        output.Write(rv[..rvLength]);
        if (!metadataEmpty) output.Write(","u8);
        output.Write(json[(insertAt + 1)..]);
    }

    /// <summary>
    /// Writes the object as a PartialObjectMetadata (meta.k8s.io/v1): its metadata, with the
    /// resourceVersion put back, under the kind and apiVersion of that type.
    /// </summary>
    public static void WriteMetadataWithResourceVersion(IBufferWriter<byte> output, ReadOnlySpan<byte> json, long revision)
    {
        output.Write("{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{"u8);
        Span<byte> rv = stackalloc byte[64];
        var rvLength = ResourceVersionField(revision, rv);
        output.Write(rv[..rvLength]);
        var start = MetadataStart(json, out var empty);
        if (start >= 0 && !empty)
        {
            var reader = new Utf8JsonReader(json[start..]);
            reader.Read();
            reader.Skip();
            // The members after the metadata's '{', up to and including its '}'.
            output.Write(","u8);
            output.Write(json.Slice(start + 1, (int)reader.BytesConsumed - 1));
            output.Write("}"u8);
            return;
        }
        output.Write("}}"u8);
    }

    /// <summary>Writes <c>"resourceVersion":"N"</c> into <paramref name="field"/> (64 bytes hold any revision); returns its length.</summary>
    private static int ResourceVersionField(long revision, Span<byte> field) =>
        Encoding.ASCII.GetBytes($"\"resourceVersion\":\"{revision.ToString(CultureInfo.InvariantCulture)}\"", field);

    /// <summary>The index of the '{' that opens the top-level metadata object, or -1.</summary>
    private static int MetadataStart(ReadOnlySpan<byte> json, out bool empty)
    {
        empty = false;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMetadata = reader.ValueTextEquals(MetadataName);
            if (!reader.Read()) return -1;
            if (isMetadata && reader.TokenType == JsonTokenType.StartObject)
            {
                var start = (int)reader.TokenStartIndex;
                empty = reader.Read() && reader.TokenType == JsonTokenType.EndObject;
                return start;
            }
            reader.Skip();
        }
        return -1;
    }
}
