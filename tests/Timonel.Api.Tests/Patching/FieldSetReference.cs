// The managed-fields computation as it was before the simultaneous walk (FieldWalk): the whole
// field set of both objects, compared member by member, and set operations rebuilt from member
// lists. Kept in the tests as the definition the faster code must reproduce byte for byte.
using System.Text.Json.Nodes;
using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

internal static class FieldSetReference
{
    private static readonly IReadOnlyList<string>[] Identity =
    [
        ["f:apiVersion"], ["f:kind"],
        .. new[] { "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
            "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds" }.Select(f => new[] { "f:metadata", "f:" + f }),
    ];

    public static FieldSet Of(JsonObject? obj, PatchSchema schema, string? subresource)
    {
        var set = new FieldSet();
        if (obj is not null)
        {
            WalkObject(obj, schema, [], set);
        }
        var trimmed = Without(set, Identity);
        return subresource == "status"
            ? FieldSet.Of(trimmed.Members().Where(p => p[0] == "f:status"))
            : Without(trimmed, [["f:status"]]);
    }

    private static FieldSet Without(FieldSet set, IReadOnlyList<string>[] prefixes) =>
        FieldSet.Of(set.Members().Where(p => !prefixes.Any(prefix => prefix.Count <= p.Count && prefix.SequenceEqual(p.Take(prefix.Count)))));

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

    private static string[]? ItemElements(JsonArray list, PatchField field)
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

    public static (FieldSet Changed, FieldSet Removed) Compare(JsonObject? before, JsonObject after, PatchSchema schema, string? subresource)
    {
        var old = Of(before, schema, subresource);
        var now = Of(after, schema, subresource);
        var changed = now.Members().Where(path =>
            !old.Contains(path)
            || (path[^1].StartsWith("f:", StringComparison.Ordinal)
                && FieldPaths.TryGet(before, path, out var was) && FieldPaths.TryGet(after, path, out var @is) && !JsonValues.DeepEquals(was, @is)));
        return (FieldSet.Of(changed), Difference(old, now));
    }

    private static FieldSet Difference(FieldSet a, FieldSet b) => FieldSet.Of(a.Members().Where(p => !b.Contains(p)));

    private static FieldSet Union(FieldSet a, FieldSet b) => FieldSet.Of(a.Members().Concat(b.Members()));

    /// <summary>ManagedFieldsTracker.RecordUpdate as it was, on the reference sets.</summary>
    public static JsonObject RecordUpdate(JsonObject? old, JsonObject updated, UpdateRequest request)
    {
        var entries = ManagedFields.Read(old);
        var before = old is null ? null : WithoutManagedFields(old);
        var after = WithoutManagedFields(updated);
        var (changed, removed) = Compare(before, after, request.Schema, request.Subresource);
        var mine = entries.Find(e => e.Is(request.Manager, ManagedFieldsEntry.Update, request.Subresource))?.Fields ?? new FieldSet();
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i] = entries[i] with { Fields = Difference(Difference(entries[i].Fields, changed), removed) };
        }
        if (!changed.IsEmpty || entries.Exists(e => e.Is(request.Manager, ManagedFieldsEntry.Update, request.Subresource)))
        {
            var fields = Difference(Union(mine, changed), removed);
            var index = entries.FindIndex(e => e.Is(request.Manager, ManagedFieldsEntry.Update, request.Subresource));
            var previous = index >= 0 ? entries[index] : null;
            var unchanged = previous is not null && previous.ApiVersion == request.ApiVersion
                && previous.Fields.ToJson().ToJsonString() == fields.ToJson().ToJsonString();
            var entry = new ManagedFieldsEntry(request.Manager, ManagedFieldsEntry.Update, request.ApiVersion,
                unchanged ? previous!.Time : ManagedFields.FormatTime(request.Now),
                string.IsNullOrEmpty(request.Subresource) ? null : request.Subresource, fields);
            if (index >= 0)
            {
                entries[index] = entry;
            }
            else
            {
                entries.Add(entry);
            }
        }
        ManagedFields.Write(after, entries);
        return after;
    }

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("managedFields");
        return copy;
    }
}
