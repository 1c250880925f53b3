// Field sets of objects and the values at field paths, driven by a PatchSchema: keyed lists
// (strategy MergeByKey) are associative, scalar sets (MergeAsSet) own each value, every other
// list is atomic (owned as one value). Maps and structs are granular; an empty map is a leaf.
// Limit: keyed lists use the strategic merge key alone (upstream's SSA list-map keys add e.g.
// "protocol" to container and service ports), so such items are keyed by containerPort / port.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

internal static class FieldPaths
{
    /// <summary>Top-level paths never owned by a manager: identity and server-maintained metadata.</summary>
    private static readonly IReadOnlyList<string>[] Identity =
    [
        ["f:apiVersion"], ["f:kind"],
        .. new[] { "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
            "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds" }.Select(f => new[] { "f:metadata", "f:" + f }),
    ];

    private static readonly IReadOnlyList<string>[] Status = [["f:status"]];

    /// <summary>The owned-field set of an object; status is tracked only through the status subresource.</summary>
    public static FieldSet Of(JsonObject? obj, PatchSchema schema, string? subresource)
    {
        var set = new FieldSet();
        if (obj is not null)
        {
            WalkObject(obj, schema, [], set);
        }
        var trimmed = set.Without(Identity);
        return subresource == "status"
            ? FieldSet.Of(trimmed.Members().Where(p => p[0] == "f:status"))
            : trimmed.Without(Status);
    }

    private static void WalkObject(JsonObject obj, PatchSchema schema, List<string> path, FieldSet set)
    {
        foreach (var (key, value) in obj)
        {
            if (value is null)
            {
                continue;
            }
            path.Add("f:" + key);
            WalkValue(value, schema.Field(key), path, set);
            path.RemoveAt(path.Count - 1);
        }
    }

    private static void WalkValue(JsonNode value, PatchField field, List<string> path, FieldSet set)
    {
        switch (value)
        {
            case JsonObject map when !field.ReplaceWhole && map.Any(p => p.Value is not null):
                WalkObject(map, field.Schema, path, set);
                return;
            case JsonArray list when list.Count > 0 && ItemElements(list, field) is { } elements:
                for (var i = 0; i < list.Count; i++)
                {
                    path.Add(elements[i]);
                    set.Add(path);
                    if (list[i] is JsonObject item)
                    {
                        WalkObject(item, field.Schema, path, set);
                    }
                    path.RemoveAt(path.Count - 1);
                }
                return;
            default:
                set.Add(path);
                return;
        }
    }

    /// <summary>The path element of each item, or null when the list is atomic.</summary>
    public static string[]? ItemElements(JsonArray list, PatchField field)
    {
        var elements = new string[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var element = field.ListStrategy switch
            {
                ListMergeStrategy.MergeByKey when list[i] is JsonObject item && item[field.MergeKey!] is { } key =>
                    "k:" + new JsonObject { [field.MergeKey!] = key.DeepClone() }.ToJsonString(),
                ListMergeStrategy.MergeAsSet when list[i] is JsonValue scalar => "v:" + scalar.ToJsonString(),
                _ => null,
            };
            if (element is null)
            {
                return null;
            }
            elements[i] = element;
        }
        return elements.Distinct(StringComparer.Ordinal).Count() == elements.Length ? elements : null;
    }

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
    public static (FieldSet Changed, FieldSet Removed) Compare(JsonObject? before, JsonObject after, PatchSchema schema, string? subresource)
    {
        var old = Of(before, schema, subresource);
        var now = Of(after, schema, subresource);
        var changed = now.Members().Where(path =>
            !old.Contains(path)
            // An item's own membership changes only by appearing; its fields are tracked below it.
            || (path[^1].StartsWith("f:", StringComparison.Ordinal)
                && TryGet(before, path, out var was) && TryGet(after, path, out var @is) && !JsonValues.DeepEquals(was, @is)));
        return (FieldSet.Of(changed), old.Difference(now));
    }
}
