// Server-side apply (PATCH application/apply-patch+yaml), as `kubectl apply --server-side` and
// helm v4 send it.
//
//   PatchOutcome ServerSideApply.Apply(JsonObject? live, JsonObject applied, ApplyRequest request)
//   FieldSet ServerSideApply.FieldsOf(JsonObject obj, PatchSchema schema)
//
// live is the stored object (null: the object does not exist, apply creates it); applied is the
// parsed body (see ApplyBody.Parse). The result is the new object with metadata.managedFields
// updated; when it equals live (JsonNode.DeepEquals) nothing changed and no write is needed.
//
// Steps, following upstream's structured-merge-diff: (1) merge applied into live: maps merge,
// keyed lists merge by key, set lists union, everything else is replaced; (2) every field whose
// value this changes and that another manager owns is a conflict: fail with 409 unless Force, in
// which case those managers lose the fields (or unless ClientSideApplyUpgrade excuses them: the
// first `kubectl apply --server-side` after client-side applies); (3) the manager's Apply entry becomes exactly the
// applied field set; (4) fields the manager applied last time, no longer applies, and nobody
// else owns are removed from the object.
// Limits: nulls in the applied body are dropped (not "set to null"); emptied parent maps stay as
// {}; status is not tracked on the main resource (the server resets it there, as upstream's
// strategies do) and only status is tracked with Subresource "status".
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

/// <param name="Manager">The fieldManager query parameter (required for apply).</param>
/// <param name="ApiVersion">The apiVersion of the request, recorded in the manager's entry.</param>
/// <param name="Now">The time recorded when the manager's entry changes.</param>
public sealed record ApplyRequest(string Manager, PatchSchema Schema, string ApiVersion, DateTimeOffset Now)
{
    /// <summary>The force query parameter: take conflicting fields instead of failing.</summary>
    public bool Force { get; init; }

    /// <summary>Null for the main resource, "status" for the status subresource.</summary>
    public string? Subresource { get; init; }
}

public static class ServerSideApply
{
    public static FieldSet FieldsOf(JsonObject obj, PatchSchema schema, string? subresource = null) =>
        FieldPaths.Of(obj, schema, subresource);

    public static PatchOutcome Apply(JsonObject? live, JsonObject applied, ApplyRequest request)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Manager))
        {
            return PatchFailure.Bad("fieldManager is required for apply requests");
        }
        var config = (JsonObject)DropNulls(applied)!;
        (config["metadata"] as JsonObject)?.Remove("managedFields");
        var before = live is null ? new JsonObject() : (JsonObject)live.DeepClone();
        var entries = ManagedFields.Read(before);
        (before["metadata"] as JsonObject)?.Remove("managedFields");

        var merged = (JsonObject)before.DeepClone();
        ApplyMerge.Merge(merged, config, request.Schema);

        var appliedSet = FieldPaths.Of(config, request.Schema, request.Subresource);
        var (changed, _) = FieldPaths.Compare(before, merged, request.Schema, request.Subresource);
        var conflicts = new List<FieldConflict>();
        var conflicting = new FieldSet();
        for (var i = 0; i < entries.Count; i++)
        {
            var other = entries[i];
            if (other.Is(request.Manager, ManagedFieldsEntry.Apply, request.Subresource))
            {
                continue;
            }
            var taken = other.Fields.Intersect(changed);
            if (taken.IsEmpty)
            {
                continue;
            }
            conflicts.AddRange(taken.Members().Select(p => new FieldConflict(other.Describe(), FieldSet.Describe(p))));
            conflicting = conflicting.Union(taken);
            entries[i] = other with { Fields = other.Fields.Difference(taken) };
        }
        if (conflicts.Count > 0 && !request.Force && !ClientSideApplyUpgrade.Excuses(before, conflicting, request))
        {
            return new PatchFailure(PatchFailureKind.Conflict, ConflictMessage(conflicts)) { Conflicts = conflicts };
        }

        var previous = entries.Find(e => e.Is(request.Manager, ManagedFieldsEntry.Apply, request.Subresource))?.Fields ?? new FieldSet();
        ManagedFields.Replace(entries, request.Manager, ManagedFieldsEntry.Apply, request.Subresource, request.ApiVersion,
            appliedSet, request.Now);
        var owned = entries.Aggregate(new FieldSet(), (all, e) => all.Union(e.Fields));
        // Parents first: removing an item takes its fields with it. An item whose fields another
        // manager still owns stays, and so does its key field, without which it has no identity.
        foreach (var path in previous.Difference(owned).Members())
        {
            if (!owned.ContainsAtOrBelow(path) && !IsItemKey(path))
            {
                FieldPaths.Remove(merged, path);
            }
        }
        ManagedFields.Write(merged, entries);
        return PatchOutcome.Ok(merged);
    }

    private static bool IsItemKey(IReadOnlyList<string> path) =>
        path.Count >= 2 && path[^2].StartsWith("k:", StringComparison.Ordinal)
        && JsonValues.TryParse(path[^2][2..]) is JsonObject key && key.ContainsKey(path[^1][2..]);

    /// <summary>Upstream's wording: `Apply failed with 1 conflict: conflict with "m": .spec.replicas`.</summary>
    internal static string ConflictMessage(IReadOnlyList<FieldConflict> conflicts)
    {
        if (conflicts.Count == 1)
        {
            return $"Apply failed with 1 conflict: conflict with {conflicts[0].Manager}: {conflicts[0].Field}";
        }
        var byManager = conflicts.GroupBy(c => c.Manager)
            .Select(g => $"conflicts with {g.Key}:\n" + string.Join("\n", g.Select(c => "- " + c.Field)));
        return $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", byManager);
    }

    private static JsonNode? DropNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map:
                var copy = new JsonObject();
                foreach (var (key, value) in map.Where(p => p.Value is not null))
                {
                    copy[key] = DropNulls(value);
                }
                return copy;
            case JsonArray list:
                return new JsonArray([.. list.Select(DropNulls)]);
            default:
                return node?.DeepClone();
        }
    }
}

/// <summary>The merge half of apply: applied values win, keyed and set lists merge item by item.</summary>
internal static class ApplyMerge
{
    public static void Merge(JsonObject live, JsonObject config, PatchSchema schema)
    {
        foreach (var (key, value) in config)
        {
            var field = schema.Field(key);
            switch (value)
            {
                case JsonObject map when live[key] is JsonObject current && !field.ReplaceWhole:
                    Merge(current, map, field.Schema);
                    break;
                case JsonArray list when live[key] is JsonArray current
                    && FieldPaths.ItemElements(list, field) is { } wanted
                    && FieldPaths.ItemElements(current, field) is { } have:
                    MergeItems(current, have, list, wanted, field);
                    break;
                default:
                    live[key] = value?.DeepClone();
                    break;
            }
        }
    }

    private static void MergeItems(JsonArray current, string[] have, JsonArray list, string[] wanted, PatchField field)
    {
        for (var i = 0; i < list.Count; i++)
        {
            var index = Array.IndexOf(have, wanted[i]);
            if (index < 0)
            {
                current.Add(list[i]?.DeepClone());
            }
            else if (current[index] is JsonObject item && list[i] is JsonObject applied)
            {
                Merge(item, applied, field.Schema);
            }
        }
    }
}
