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

    /// <summary>Reads the labels and known paths of a stored object.</summary>
    public static SelectableFields Read(ReadOnlySpan<byte> stored)
    {
        var reader = new Utf8JsonReader(stored);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        Dictionary<string, string>? labels = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("metadata"u8, out var meta)
            && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("labels"u8, out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in l.EnumerateObject())
            {
                if (label.Value.ValueKind == JsonValueKind.String)
                {
                    (labels ??= new Dictionary<string, string>(StringComparer.Ordinal))[label.Name] = label.Value.GetString()!;
                }
            }
        }
        var values = new List<KeyValuePair<int, string>>(4);
        for (var i = 0; i < KnownPaths.Length; i++)
        {
            if (ValueAt(root, KnownPaths[i]) is { } value) values.Add(new(i, value));
        }
        return new SelectableFields(labels, values.ToArray());
    }

    /// <summary>As <c>FieldSelector.ValueAt</c>: strings as is, booleans and numbers as JSON text, anything else absent.</summary>
    private static string? ValueAt(JsonElement element, string[] path)
    {
        foreach (var segment in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
            {
                return null;
            }
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
    }
}
