using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage.Selection;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// An object as the watch cache keeps it: its stored bytes (compact JSON without resourceVersion)
/// and the revision to splice in, plus the labels and the values of the commonly selected fields.
/// One flat array and a few strings instead of a JSON tree: a cache of 100,000 objects gives the
/// garbage collector 100,000 arrays to move rather than millions of nodes, and a list or watch
/// event is a byte copy. Immutable, so any number of readers share it.
/// </summary>
public sealed class CachedObject
{
    private CachedObject(byte[] stored, long revision, SelectableFields fields)
    {
        Stored = stored;
        Revision = revision;
        Fields = fields;
    }

    /// <summary>The object as stored: compact JSON without metadata.resourceVersion.</summary>
    public byte[] Stored { get; }

    /// <summary>The resourceVersion this object is shown with.</summary>
    public long Revision { get; }

    /// <summary>Labels and the values of the fields selectors use most.</summary>
    public SelectableFields Fields { get; }

    /// <summary>
    /// From a stored value (copied: the caller's buffer may be reused) at its mod revision; long
    /// lived (the default) for the cache and its window, not for one watcher's passing event.
    /// </summary>
    public static CachedObject FromStored(ReadOnlySpan<byte> stored, long revision, bool longLived = true) =>
        new(longLived ? LongLived(stored) : stored.ToArray(), revision, SelectableFields.Read(stored));

    /// <summary>
    /// A copy on the pinned object heap, which the GC never moves: cached bytes live for minutes, and
    /// every create would otherwise have its bytes copied from gen0 to gen1 to gen2 during pauses
    /// that every request waits through.
    /// </summary>
    public static byte[] LongLived(ReadOnlySpan<byte> bytes)
    {
        var copy = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
        bytes.CopyTo(copy);
        return copy;
    }

    /// <summary>metadata.name.</summary>
    public string Name => Fields.TryGet("metadata.name", out var name) ? name : "";

    /// <summary>metadata.namespace ("" for a cluster-scoped object).</summary>
    public string Namespace => Fields.TryGet("metadata.namespace", out var ns) ? ns : "";

    /// <summary>The same object shown at another revision (a delete shows the object at the delete's revision).</summary>
    public CachedObject AtRevision(long revision) => new(Stored, revision, Fields);

    /// <summary>A new tree of the object with its resourceVersion, which the caller owns.</summary>
    public JsonObject Parse() => ObjectCodec.Decode(Stored, Revision);

    /// <summary>Writes the object's JSON with its resourceVersion spliced in.</summary>
    public void WriteTo(IBufferWriter<byte> output) => StoredJson.WriteWithResourceVersion(output, Stored, Revision);

    /// <summary>Writes the object as a PartialObjectMetadata: only its metadata, with its resourceVersion.</summary>
    public void WriteMetadataTo(IBufferWriter<byte> output) => StoredJson.WriteMetadataWithResourceVersion(output, Stored, Revision);

    /// <summary>Whether the object passes the label and field selectors of <paramref name="options"/>.</summary>
    public bool Matches(ListOptions options)
    {
        if (!options.Labels.Matches(Fields.Labels))
        {
            return false;
        }
        JsonObject? parsed = null;
        foreach (var r in options.Fields.Requirements)
        {
            var value = Fields.TryGet(r.Field, out var known) ? known : Api.Selectors.FieldSelector.ValueAt(parsed ??= Parse(), r.Field);
            if ((value == r.Value) != r.Equal)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The object's JSON with its resourceVersion, as one array.</summary>
    public byte[] ToJson()
    {
        using var scratch = JsonBytes.Scratch.Take();
        WriteTo(scratch.Buffer);
        return scratch.Buffer.WrittenSpan.ToArray();
    }
}
