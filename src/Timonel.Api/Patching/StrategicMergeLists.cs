// The list half of a strategic merge: merge by key, merge as a set, replace, and the order rules.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

internal sealed partial class StrategicMerger
{
    /// <summary>Merges patch (null: the patch only carries directives for this list) into original.</summary>
    private JsonArray MergeList(JsonArray original, JsonArray? patch, PatchField field, ListDirectives lists, string name)
    {
        // Detach the live items once: they move into the result list, merged or not.
        var live = original.ToList();
        original.Clear();
        var order = lists.OrderOf(name);
        var deletes = lists.DeletesOf(name);
        if (field.ListStrategy != ListMergeStrategy.Replace && patch is not null && patch.Any(i => i is JsonArray))
        {
            Failure ??= PatchFailure.Unprocessable("lists of lists are not supported in a strategic merge patch");
            return [];
        }
        var merged = field.ListStrategy switch
        {
            ListMergeStrategy.MergeByKey => MergeByKey([.. live], patch ?? [], field),
            ListMergeStrategy.MergeAsSet => MergeAsSet(live, patch ?? []),
            _ => patch is null ? live : [.. patch.Select(item => FromPatch(item, field.Schema))],
        };
        if (deletes is not null)
        {
            var doomed = deletes.Select(JsonValues.Compact).ToHashSet(StringComparer.Ordinal);
            merged.RemoveAll(item => doomed.Contains(JsonValues.Compact(item)));
        }
        if (field.ListStrategy != ListMergeStrategy.Replace && Failure is null)
        {
            Func<JsonNode?, string?> identity = field.ListStrategy == ListMergeStrategy.MergeByKey
                ? item => item is JsonObject map && map.TryGetPropertyValue(field.MergeKey!, out var key) ? JsonValues.Compact(key) : null
                : JsonValues.Compact;
            var patchOrder = order ?? (IEnumerable<JsonNode?>)(patch ?? []);
            merged = Normalize(merged, patchOrder.Where(i => i is not JsonObject m || !m.ContainsKey(PatchDirective)),
                live, identity);
        }
        var result = new JsonArray();
        foreach (var item in merged)
        {
            result.Add(item);
        }
        return result;
    }

    private List<JsonNode?> MergeByKey(List<JsonNode?> items, JsonArray patch, PatchField field)
    {
        var key = field.MergeKey!;
        var replace = false;
        var additions = new List<JsonObject>();
        foreach (var entry in patch)
        {
            if (entry is not JsonObject item)
            {
                Failure ??= PatchFailure.Bad($"a list merged by key \"{key}\" must hold objects, found {JsonValues.Describe(entry)}");
                return items;
            }
            if (!item.TryGetPropertyValue(PatchDirective, out var directive))
            {
                additions.Add(item);
                continue;
            }
            JsonValues.IsString(directive, out var kind);
            switch (kind)
            {
                case "delete" when item.TryGetPropertyValue(key, out var doomed):
                    items.RemoveAll(i => i is JsonObject m && m.TryGetPropertyValue(key, out var v) && JsonValues.DeepEquals(v, doomed));
                    break;
                case "delete":
                    Failure ??= PatchFailure.Bad($"map: {item.ToJsonString()} does not contain declared merge key: {key}");
                    return items;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    break;
                default:
                    Failure ??= PatchFailure.Bad($"Unknown patch type: {kind} in list item: {item.ToJsonString()}");
                    return items;
            }
        }
        if (replace)
        {
            return [.. additions.Select(a => FromPatch(a, field.Schema))];
        }
        foreach (var addition in additions)
        {
            if (!addition.TryGetPropertyValue(key, out var wanted))
            {
                Failure ??= PatchFailure.Bad($"map: {addition.ToJsonString()} does not contain declared merge key: {key}");
                return items;
            }
            var index = items.FindIndex(i => i is JsonObject m && m.TryGetPropertyValue(key, out var v) && JsonValues.DeepEquals(v, wanted));
            if (index < 0)
            {
                items.Add(FromPatch(addition, field.Schema));
                continue;
            }
            items[index] = MergeMap((JsonObject)items[index]!, addition, field.Schema, false);
        }
        return items;
    }

    private static List<JsonNode?> MergeAsSet(List<JsonNode?> original, JsonArray patch)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<JsonNode?>();
        foreach (var item in original.Concat(patch.Select(p => p?.DeepClone())))
        {
            if (seen.Add(JsonValues.Compact(item)))
            {
                items.Add(item);
            }
        }
        return items;
    }

    private JsonNode? FromPatch(JsonNode? item, PatchSchema schema) =>
        item is JsonObject map ? MergeMap(new JsonObject(), map, schema, false) : item?.DeepClone();

    // Upstream's order: items named by the patch order (or $setElementOrder) sorted by it; items
    // only the server has keep the original order; the two runs interleave by original position
    // when both items are in the original, else the patch item goes first.
    private static List<JsonNode?> Normalize(List<JsonNode?> merged, IEnumerable<JsonNode?> patchOrder,
        List<JsonNode?> original, Func<JsonNode?, string?> identity)
    {
        var patchRank = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in patchOrder.Select(identity).OfType<string>())
        {
            patchRank.TryAdd(id, patchRank.Count);
        }
        var serverRank = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in original.Select(identity).OfType<string>())
        {
            serverRank.TryAdd(id, serverRank.Count);
        }
        int Rank(Dictionary<string, int> ranks, JsonNode? item) =>
            identity(item) is { } id && ranks.TryGetValue(id, out var rank) ? rank : -1;

        var fromPatch = merged.Where(i => Rank(patchRank, i) >= 0).OrderBy(i => Rank(patchRank, i)).ToList();
        var serverOnly = merged.Where(i => Rank(patchRank, i) < 0).ToList();
        var result = new List<JsonNode?>(merged.Count);
        int s = 0, p = 0;
        while (s < serverOnly.Count || p < fromPatch.Count)
        {
            if (p >= fromPatch.Count)
            {
                result.Add(serverOnly[s++]);
                continue;
            }
            if (s >= serverOnly.Count)
            {
                result.Add(fromPatch[p++]);
                continue;
            }
            var serverPosition = Rank(serverRank, serverOnly[s]);
            var patchPosition = Rank(serverRank, fromPatch[p]);
            var serverFirst = serverPosition >= 0 && patchPosition >= 0 && serverPosition < patchPosition;
            result.Add(serverFirst ? serverOnly[s++] : fromPatch[p++]);
        }
        return result;
    }
}

/// <summary>The `$setElementOrder/f` and `$deleteFromPrimitiveList/f` lists of one patch map.</summary>
internal sealed class ListDirectives
{
    private readonly Dictionary<string, JsonArray> orders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonArray> deletes = new(StringComparer.Ordinal);

    public static bool IsListDirective(string key) =>
        key.StartsWith(StrategicMerger.SetElementOrderPrefix, StringComparison.Ordinal)
        || key.StartsWith(StrategicMerger.DeleteFromPrimitiveListPrefix, StringComparison.Ordinal);

    public static ListDirectives Collect(JsonObject patch, out PatchFailure? error)
    {
        error = null;
        var directives = new ListDirectives();
        foreach (var (key, value) in patch)
        {
            var (prefix, target) = key.StartsWith(StrategicMerger.SetElementOrderPrefix, StringComparison.Ordinal)
                ? (StrategicMerger.SetElementOrderPrefix, directives.orders)
                : key.StartsWith(StrategicMerger.DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)
                    ? (StrategicMerger.DeleteFromPrimitiveListPrefix, directives.deletes)
                    : ("", null);
            if (target is null)
            {
                continue;
            }
            if (value is not JsonArray list)
            {
                error = PatchFailure.Bad($"invalid patch format: {key} must be a list");
                return directives;
            }
            target[key[prefix.Length..]] = list;
        }
        return directives;
    }

    public JsonArray? OrderOf(string field) => orders.GetValueOrDefault(field);

    public JsonArray? DeletesOf(string field) => deletes.GetValueOrDefault(field);

    public IEnumerable<string> FieldsWithout(JsonObject patch) =>
        orders.Keys.Concat(deletes.Keys).Distinct().Where(f => !patch.ContainsKey(f)).ToList();
}
