// Field sets of objects and the values at field paths, driven by a PatchSchema: keyed lists
// (strategy MergeByKey) are associative, scalar sets (MergeAsSet) own each value, every other
// list is atomic (owned as one value). Maps and structs are granular; an empty map is a leaf.
// Limit: keyed lists use the strategic merge key alone (upstream's SSA list-map keys add e.g.
// "protocol" to container and service ports), so such items are keyed by containerPort / port.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

internal static class FieldPaths
{
    /// <summary>metadata fields never owned by a manager: identity and server-maintained metadata.</summary>
    public static bool IsIdentity(string metadataField) => metadataField is "name" or "namespace" or "uid" or "resourceVersion"
        or "generation" or "creationTimestamp" or "managedFields" or "selfLink" or "deletionTimestamp" or "deletionGracePeriodSeconds";

    /// <summary>The owned-field set of an object; status is tracked only through the status subresource.</summary>
    public static FieldSet Of(JsonObject? obj, PatchSchema schema, string? subresource) => FieldWalk.Of(obj, schema, subresource);

    /// <summary>The path element of each item, or null when the list is atomic.</summary>
    public static string[]? ItemElements(JsonArray list, PatchField field)
    {
        // "k:" + the one-key object {mergeKey: value} as compact JSON, written without building it.
        var keyPrefix = field.ListStrategy == ListMergeStrategy.MergeByKey ? KeyPrefix(field.MergeKey!) : null;
        var elements = new string[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var element = field.ListStrategy switch
            {
                ListMergeStrategy.MergeByKey when list[i] is JsonObject item && item[field.MergeKey!] is { } key =>
                    string.Concat(keyPrefix, key.ToJsonString(), "}"),
                ListMergeStrategy.MergeAsSet when list[i] is JsonValue scalar => "v:" + scalar.ToJsonString(),
                _ => null,
            };
            if (element is null)
            {
                return null;
            }
            for (var j = 0; j < i; j++)
            {
                if (elements[j] == element)
                {
                    return null;
                }
            }
            elements[i] = element;
        }
        return elements;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> KeyPrefixes = new(StringComparer.Ordinal);

    private static string KeyPrefix(string mergeKey) =>
        KeyPrefixes.GetOrAdd(mergeKey, k => "k:{" + JsonValue.Create(k).ToJsonString() + ":");

    /// <summary>The value at a path; false when the path does not exist in the object.</summary>
    public static bool TryGet(JsonNode? root, IReadOnlyList<string> path, out JsonNode? value)
    {
        value = root;
        foreach (var element in path)
        {
            if (!TryStep(value, element, out value, out _))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Removes the field or list item at path; a missing path is a no-op.</summary>
    public static void Remove(JsonNode root, IReadOnlyList<string> path)
    {
        if (path.Count == 0 || !TryGet(root, path.Take(path.Count - 1).ToArray(), out var parent))
        {
            return;
        }
        if (!TryStep(parent, path[^1], out _, out var index))
        {
            return;
        }
        if (parent is JsonObject map)
        {
            map.Remove(path[^1][2..]);
        }
        else if (parent is JsonArray list)
        {
            list.RemoveAt(index);
        }
    }

    private static bool TryStep(JsonNode? node, string element, out JsonNode? child, out int index)
    {
        child = null;
        index = -1;
        if (element.StartsWith("f:", StringComparison.Ordinal))
        {
            return node is JsonObject map && map.TryGetPropertyValue(element[2..], out child) && child is not null;
        }
        if (node is not JsonArray list)
        {
            return false;
        }
        var wanted = JsonValues.TryParse(element[2..]);
        for (var i = 0; i < list.Count; i++)
        {
            var matches = element.StartsWith("k:", StringComparison.Ordinal)
                ? wanted is JsonObject key && list[i] is JsonObject item && key.All(k => JsonValues.DeepEquals(item[k.Key], k.Value))
                : JsonValues.DeepEquals(list[i], wanted);
            if (matches)
            {
                child = list[i];
                index = i;
                return true;
            }
        }
        return false;
    }

    /// <summary>Members added, changed or removed between two versions of an object.</summary>
    public static (FieldSet Changed, FieldSet Removed) Compare(JsonObject? before, JsonObject after, PatchSchema schema, string? subresource) =>
        FieldWalk.Compare(before, after, schema, subresource, withoutManagedFields: false);
}
