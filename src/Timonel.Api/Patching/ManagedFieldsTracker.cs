// Field ownership for ordinary writes (create, update, every non-apply patch): the writer's
// Update entry gains every field the write added or changed, other managers lose those fields
// (an update takes ownership without conflicts, as upstream), and removed fields leave every set.
//
//   JsonObject ManagedFieldsTracker.RecordUpdate(JsonObject? old, JsonObject updated, UpdateRequest request)
//
// old is the stored object (null on create); updated is the object about to be stored, which the
// caller owns: its metadata.managedFields are recomputed in place from old's entries and it is
// returned. managedFields a client sent in updated are ignored (limit: upstream lets a client reset
// them that way).
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

/// <param name="Manager">The fieldManager query parameter, or the default the server derives from the user agent.</param>
public sealed record UpdateRequest(string Manager, PatchSchema Schema, string ApiVersion, DateTimeOffset Now)
{
    public string? Subresource { get; init; }
}

public static class ManagedFieldsTracker
{
    public static JsonObject RecordUpdate(JsonObject? old, JsonObject updated, UpdateRequest request)
    {
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentNullException.ThrowIfNull(request);
        var entries = ManagedFields.Read(old);
        // old is only read: the walk treats its managedFields as absent instead of copying it without
        // them. updated is the caller's to change (a create's request body, an update's fresh copy).
        var after = updated;
        (after["metadata"] as JsonObject)?.Remove("managedFields");
        var (changed, removed) = FieldWalk.Compare(old, after, request.Schema, request.Subresource, withoutManagedFields: true);

        var mine = entries.Find(e => e.Is(request.Manager, ManagedFieldsEntry.Update, request.Subresource))?.Fields ?? new FieldSet();
        var taken = changed.Union(removed);
        if (!taken.IsEmpty)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                entries[i] = entries[i] with { Fields = entries[i].Fields.Difference(taken) };
            }
        }
        if (!changed.IsEmpty || entries.Exists(e => e.Is(request.Manager, ManagedFieldsEntry.Update, request.Subresource)))
        {
            ManagedFields.Replace(entries, request.Manager, ManagedFieldsEntry.Update, request.Subresource, request.ApiVersion,
                mine.Union(changed).Difference(removed), request.Now);
        }
        ManagedFields.Write(after, entries);
        return after;
    }
}
