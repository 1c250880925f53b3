// Strategic merge patch as kubectl sends it (application/strategic-merge-patch+json): client-side
// `apply`, `set image`, `rollout restart|pause|resume`, `patch` without --type.
//
//   PatchOutcome StrategicMergePatch.Apply(JsonNode original, JsonNode patch, PatchSchema schema)
//
// Semantics (server side, as upstream applies a patch it received):
// - null deletes a field; maps merge recursively; scalars and mismatched kinds replace.
// - A list merges by the field's strategy in `schema`: by merge key (items with the same key merge,
//   new items are appended), as a set of scalars, or (untagged, Unknown schema) replaced whole.
// - `$patch: replace` in a map replaces the map; `$patch: delete` empties it; `$patch: merge` is
//   accepted as the default (upstream rejects it; accepting is harmless). In a keyed list an item
//   `{"$patch":"delete", <key>: v}` removes that item and `{"$patch":"replace"}` makes the other
//   items replace the list.
// - `$retainKeys: [..]` drops every original key not listed (deployment strategy, volumes).
// - `$deleteFromPrimitiveList/<f>: [..]` removes those scalars from list f.
// - `$setElementOrder/<f>: [..]` orders list f: listed items follow that order, items only the
//   server knows keep their place relative to the original list (upstream's ordering rules).
// Malformed directives are BadRequest; a list of lists is Unprocessable, like upstream.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

public static class StrategicMergePatch
{
    public static PatchOutcome Apply(JsonNode original, JsonNode patch, PatchSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (patch is not JsonObject patchObject)
        {
            return PatchFailure.Bad("strategic merge patch must be a JSON object");
        }
        var target = original is JsonObject originalObject ? (JsonObject)originalObject.DeepClone() : new JsonObject();
        var merger = new StrategicMerger();
        var result = merger.MergeMap(target, patchObject, schema, replaceWhole: false);
        return merger.Failure is { } failure ? failure : PatchOutcome.Ok(result);
    }
}

/// <summary>
/// One patch run. Merge methods own their `original` argument (a private copy) and only read
/// `patch`; after the first failure they return early and the run's result is discarded.
/// </summary>
internal sealed partial class StrategicMerger
{
    internal const string PatchDirective = "$patch";
    internal const string RetainKeysDirective = "$retainKeys";
    internal const string SetElementOrderPrefix = "$setElementOrder/";
    internal const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    public PatchFailure? Failure { get; private set; }

    private JsonObject Fail(PatchFailure failure, JsonObject fallback)
    {
        Failure ??= failure;
        return fallback;
    }

    public JsonObject MergeMap(JsonObject original, JsonObject patch, PatchSchema schema, bool replaceWhole)
    {
        if (patch.TryGetPropertyValue(PatchDirective, out var directive))
        {
            if (!JsonValues.IsString(directive, out var kind))
            {
                return Fail(PatchFailure.Bad("$patch must be a string"), original);
            }
            switch (kind)
            {
                case "replace":
                    return MergeMap(new JsonObject(), WithoutKey(patch, PatchDirective), schema, false);
                case "delete":
                    return new JsonObject();
                case "merge":
                    patch = WithoutKey(patch, PatchDirective);
                    break;
                default:
                    return Fail(PatchFailure.Bad($"Unknown patch type: {kind} in map: {patch.ToJsonString()}"), original);
            }
        }
        if (replaceWhole)
        {
            original = new JsonObject();
        }
        if (!ApplyRetainKeys(original, patch))
        {
            return original;
        }
        var listDirectives = ListDirectives.Collect(patch, out var directiveError);
        if (directiveError is not null)
        {
            return Fail(directiveError, original);
        }
        foreach (var (key, patchValue) in patch)
        {
            if (Failure is not null)
            {
                return original;
            }
            if (key == RetainKeysDirective || ListDirectives.IsListDirective(key))
            {
                continue;
            }
            MergeField(original, key, patchValue, schema.Field(key), listDirectives);
        }
        // Directives about lists the patch itself does not mention still reorder or shrink them.
        foreach (var field in listDirectives.FieldsWithout(patch))
        {
            if (original[field] is JsonArray live)
            {
                original[field] = MergeList(DetachList(original, field, live), null, schema.Field(field), listDirectives, field);
            }
        }
        return original;
    }

    private void MergeField(JsonObject original, string key, JsonNode? patchValue, PatchField field, ListDirectives lists)
    {
        if (patchValue is null)
        {
            original.Remove(key);
            return;
        }
        var current = original[key];
        switch (patchValue)
        {
            case JsonObject patchMap:
                var baseMap = current is JsonObject liveMap ? DetachMap(original, key, liveMap) : new JsonObject();
                original[key] = MergeMap(baseMap, patchMap, field.Schema, field.ReplaceWhole);
                break;
            case JsonArray patchList:
                var baseList = current is JsonArray liveList ? DetachList(original, key, liveList) : new JsonArray();
                original[key] = MergeList(baseList, patchList, field, lists, key);
                break;
            default:
                original[key] = patchValue.DeepClone();
                break;
        }
    }

    // Keys listed in $retainKeys survive; every other original key goes. A non-null patch key
    // missing from the list is a malformed patch (upstream: ErrBadPatchFormatForRetainKeys).
    private bool ApplyRetainKeys(JsonObject original, JsonObject patch)
    {
        if (!patch.TryGetPropertyValue(RetainKeysDirective, out var retain))
        {
            return true;
        }
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in retain as JsonArray ?? [])
        {
            if (!JsonValues.IsString(item, out var name))
            {
                break;
            }
            keep.Add(name);
        }
        if (retain is not JsonArray list || keep.Count != list.Count)
        {
            Fail(PatchFailure.Bad("invalid patch format of retainKeys: $retainKeys must be a list of strings"), original);
            return false;
        }
        foreach (var (key, value) in patch)
        {
            if (value is not null && !key.StartsWith('$') && !keep.Contains(key))
            {
                Fail(PatchFailure.Bad($"invalid patch format of retainKeys: \"{key}\" is not in $retainKeys"), original);
                return false;
            }
        }
        foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            original.Remove(key);
        }
        return true;
    }

    private static JsonObject WithoutKey(JsonObject patch, string key)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in patch)
        {
            if (name != key)
            {
                copy[name] = value?.DeepClone();
            }
        }
        return copy;
    }

    // A node has one parent: take it out of its object before it is re-attached after merging.
    private static JsonObject DetachMap(JsonObject parent, string key, JsonObject child)
    {
        parent[key] = null;
        return child;
    }

    private static JsonArray DetachList(JsonObject parent, string key, JsonArray child)
    {
        parent[key] = null;
        return child;
    }
}
