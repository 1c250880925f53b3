using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// One change as the watch cache fans it out: the object after (or, for a delete, the deleted
/// object shown at the delete's revision) and before. Both are immutable, so any number of
/// watchers read them at once. The JSON line of each event type is built once, on first use, from
/// the stored bytes, and shared.
/// </summary>
public sealed class CachedEvent
{
    /// <summary>Lines by type (ADDED, MODIFIED, DELETED), then the same as PartialObjectMetadata.</summary>
    private readonly byte[]?[] _lines = new byte[]?[6];

    /// <summary>In a slot of <see cref="_lines"/>: that line was written once and not kept.</summary>
    private static readonly byte[] WrittenOnce = [];

    public CachedEvent(long revision, string key, CachedObject current, CachedObject? previous, bool isDelete)
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
    public CachedObject Current { get; }
    /// <summary>The object before the change; null for a create.</summary>
    public CachedObject? Previous { get; }
    public bool IsDelete { get; }

    /// <summary><c>{"type":T,"object":Current}\n</c> (the object, or only its metadata), built once per type.</summary>
    public byte[] Line(string type, bool metadataOnly = false)
    {
        var slot = Slot(type, metadataOnly);
        var line = Volatile.Read(ref _lines[slot]);
        if (line is null || ReferenceEquals(line, WrittenOnce))
        {
            line = LineFor(type, Current, metadataOnly);
            Volatile.Write(ref _lines[slot], line);
        }
        return line;
    }

    /// <summary>
    /// Writes the line into <paramref name="output"/>. The first watcher to want it gets it built in
    /// place and nothing is kept; a second one builds the shared copy. Most events have one
    /// watcher per form (the garbage collector's metadata watch of every resource), and a kept
    /// line lived in the window long enough to be copied through two GC generations.
    /// </summary>
    public void WriteLine(IBufferWriter<byte> output, string type, bool metadataOnly = false)
    {
        var slot = Slot(type, metadataOnly);
        if (Volatile.Read(ref _lines[slot]) is null && Interlocked.CompareExchange(ref _lines[slot], WrittenOnce, null) is null)
        {
            WriteLineTo(output, type, Current, metadataOnly);
            return;
        }
        output.Write(Line(type, metadataOnly));
    }

    private static int Slot(string type, bool metadataOnly) =>
        (type switch { "ADDED" => 0, "MODIFIED" => 1, _ => 2 }) + (metadataOnly ? 3 : 0);

    /// <summary>
    /// <c>{"type":T,"object":obj}\n</c> from the object's stored bytes, the whole object or only its
    /// metadata as a PartialObjectMetadata. An ordinary array, even for the window's events: lines
    /// come and go with the window, and on the pinned heap their freed slots (all smaller than a
    /// stored object) made every later pinned allocation walk past them (6 % of the server's CPU
    /// under create load, in the allocator's free-list loop).
    /// </summary>
    public static byte[] LineFor(string type, CachedObject obj, bool metadataOnly = false)
    {
        using var scratch = JsonBytes.Scratch.Take();
        WriteLineTo(scratch.Buffer, type, obj, metadataOnly);
        return scratch.Buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <c>{"type":T,"object":obj}\n</c> into <paramref name="output"/>.</summary>
    public static void WriteLineTo(IBufferWriter<byte> output, string type, CachedObject obj, bool metadataOnly = false)
    {
        output.Write("{\"type\":\""u8);
        System.Text.Encoding.ASCII.GetBytes(type, output.GetSpan(type.Length));
        output.Advance(type.Length);
        output.Write("\",\"object\":"u8);
        if (metadataOnly) obj.WriteMetadataTo(output);
        else obj.WriteTo(output);
        output.Write("}\n"u8);
    }

    public static byte[] Serialize(string type, JsonObject obj)
    {
        using var scratch = JsonBytes.Scratch.Take();
        var writer = scratch.Writer();
        writer.WriteStartObject();
        writer.WriteString("type", type);
        writer.WritePropertyName("object");
        obj.WriteTo(writer);
        writer.WriteEndObject();
        writer.Flush();
        scratch.Buffer.Write("\n"u8);
        return scratch.Buffer.WrittenSpan.ToArray();
    }
}
