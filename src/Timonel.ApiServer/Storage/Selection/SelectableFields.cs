using System.Text.Json;

namespace Timonel.ApiServer.Storage.Selection;

/// <summary>
/// What selectors read from a cached object, taken out once when it enters the cache: its labels
/// and the values of the field paths upstream's resources offer to field selectors (pods by node
/// and phase, events by involved object, ...). A path outside that set is read from the parsed
/// object instead (see <see cref="CachedObject.Matches"/>), so any path still works.
/// </summary>
public sealed class SelectableFields
{
    /// <summary>
    /// Upstream's field-selector paths of the built-in kinds, besides metadata.name and metadata.namespace;
    /// and metadata.deletionTimestamp, which every namespaced create checks on its namespace.
    /// </summary>
    private static readonly string[][] KnownPaths =
    [
        ["metadata", "name"], ["metadata", "namespace"], ["metadata", "deletionTimestamp"],
        ["spec", "nodeName"], ["spec", "restartPolicy"], ["spec", "schedulerName"], ["spec", "serviceAccountName"],
        ["spec", "hostNetwork"], ["spec", "unschedulable"], ["spec", "signerName"],
        ["status", "phase"], ["status", "podIP"], ["status", "nominatedNodeName"], ["status", "replicas"], ["status", "successful"],
        ["involvedObject", "kind"], ["involvedObject", "namespace"], ["involvedObject", "name"], ["involvedObject", "uid"],
        ["involvedObject", "apiVersion"], ["involvedObject", "resourceVersion"], ["involvedObject", "fieldPath"],
        ["regarding", "kind"], ["regarding", "namespace"], ["regarding", "name"], ["regarding", "uid"],
        ["reason"], ["type"], ["reportingComponent"], ["reportingController"],
    ];

    private static readonly Dictionary<string, int> PathIndex =
        KnownPaths.Select((p, i) => (string.Join('.', p), i)).ToDictionary(x => x.Item1, x => x.i, StringComparer.Ordinal);

    /// <summary>The known paths the object has a value at, by <see cref="KnownPaths"/> index (the others read as "").</summary>
    private readonly KeyValuePair<int, string>[] _values;

    private SelectableFields(Dictionary<string, string>? labels, KeyValuePair<int, string>[] values)
    {
        Labels = labels;
        _values = values;
    }

    /// <summary>metadata.labels, or null when there are none.</summary>
    public Dictionary<string, string>? Labels { get; }

    /// <summary>The value at a dotted path as <c>FieldSelector.ValueAt</c> reads it; false if the path is not kept.</summary>
    public bool TryGet(string path, out string value)
    {
        if (PathIndex.TryGetValue(path, out var i))
        {
            value = "";
            foreach (var (index, v) in _values)
            {
                if (index == i) value = v;
            }
            return true;
        }
        value = "";
        return false;
    }

    /// <summary>
    /// For each first path segment: the index of the one-segment path it ends, and the second
    /// segments under it with the indexes of their two-segment paths.
    /// </summary>
    private static readonly Dictionary<string, (int Leaf, Dictionary<string, int> Children)> FirstSegments = BuildSegments();

    private static Dictionary<string, (int Leaf, Dictionary<string, int> Children)> BuildSegments()
    {
        var segments = new Dictionary<string, (int Leaf, Dictionary<string, int> Children)>(StringComparer.Ordinal);
        for (var i = 0; i < KnownPaths.Length; i++)
        {
            var path = KnownPaths[i];
            var entry = segments.TryGetValue(path[0], out var found) ? found : (-1, new Dictionary<string, int>(StringComparer.Ordinal));
            if (path.Length == 1) entry.Item1 = i;
            else entry.Item2[path[1]] = i;
            segments[path[0]] = entry;
        }
        return segments;
    }

    /// <summary>
    /// Reads the labels and known paths of a stored object in one forward pass: only the top-level
    /// objects that hold a known path are entered, everything else (data, managedFields) is skipped
    /// without being parsed into a document.
    /// </summary>
    public static SelectableFields Read(ReadOnlySpan<byte> stored)
    {
        var reader = new Utf8JsonReader(stored);
        Dictionary<string, string>? labels = null;
        var values = new List<KeyValuePair<int, string>>(4);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return new SelectableFields(null, []);
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            var known = TryFind(FirstSegments, ref reader, out var segment);
            reader.Read();
            if (known && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadChildren(ref reader, segment.Children, values, ref labels, isMetadata);
                continue;
            }
            if (known && segment.Leaf >= 0 && ScalarText(ref reader) is { } leafValue)
            {
                values.Add(new(segment.Leaf, leafValue));
            }
            reader.Skip();
        }
        return new SelectableFields(labels, values.ToArray());
    }

    /// <summary>The members of one top-level object (the reader on its start): known paths, and labels under metadata.</summary>
    private static void ReadChildren(ref Utf8JsonReader reader, Dictionary<string, int> children, List<KeyValuePair<int, string>> values,
        ref Dictionary<string, string>? labels, bool isMetadata)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isLabels = isMetadata && reader.ValueTextEquals("labels"u8);
            var known = TryFind(children, ref reader, out var index);
            reader.Read();
            if (isLabels && reader.TokenType == JsonTokenType.StartObject)
            {
                labels = ReadLabels(ref reader);
                continue;
            }
            if (known && ScalarText(ref reader) is { } value)
            {
                values.Add(new(index, value));
            }
            reader.Skip();
        }
    }

    private static Dictionary<string, string>? ReadLabels(ref Utf8JsonReader reader)
    {
        Dictionary<string, string>? labels = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                (labels ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = reader.GetString()!;
            }
            reader.Skip();
        }
        return labels;
    }

    /// <summary>Looks the property name under the reader up without allocating a string for it.</summary>
    private static bool TryFind<T>(Dictionary<string, T> map, ref Utf8JsonReader reader, out T found)
    {
        if (reader.ValueIsEscaped || reader.ValueSpan.Length > 64)
        {
            return map.TryGetValue(reader.GetString()!, out found!);
        }
        Span<char> name = stackalloc char[64];
        var length = System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, name);
        return map.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name[..length], out found!);
    }

    /// <summary>As <c>FieldSelector.ValueAt</c>: strings as is, booleans and numbers as JSON text, anything else absent.</summary>
    private static string? ScalarText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        _ => null,
    };
}
