// The mutable document a JSON patch runs on. Each method returns null on success or the reason
// the operation cannot apply; the caller discards the document on the first failure.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

internal sealed class JsonPatchDocument(JsonNode? root)
{
    public JsonNode? Root { get; private set; } = root;

    public string? Run(JsonPatchOperation operation) => operation.Op switch
    {
        "add" => Add(operation.Path, operation.PathText, operation.Value?.DeepClone()),
        "remove" => Remove(operation.Path, operation.PathText),
        "replace" => Replace(operation.Path, operation.PathText, operation.Value?.DeepClone()),
        "move" => Move(operation),
        "copy" => Copy(operation),
        "test" => Test(operation),
        _ => $"Unexpected kind: {operation.Op}",
    };

    private string? Add(IReadOnlyList<string> path, string pathText, JsonNode? value)
    {
        if (path.Count == 0)
        {
            Root = value;
            return null;
        }
        var parent = Parent(path, pathText, out var error);
        var token = path[^1];
        switch (parent)
        {
            case JsonObject map:
                map[token] = value;
                return null;
            case JsonArray list when token == "-":
                list.Add(value);
                return null;
            case JsonArray list when JsonPointer.TryParseIndex(token, out var index) && index <= list.Count:
                list.Insert(index, value);
                return null;
            case JsonArray:
                return $"add operation: index \"{token}\" is out of range in \"{pathText}\"";
            default:
                return error;
        }
    }

    private string? Remove(IReadOnlyList<string> path, string pathText)
    {
        if (path.Count == 0)
        {
            return "remove operation cannot remove the whole document";
        }
        var parent = Parent(path, pathText, out var error);
        var token = path[^1];
        switch (parent)
        {
            case JsonObject map when map.ContainsKey(token):
                map.Remove(token);
                return null;
            case JsonArray list when JsonPointer.TryParseIndex(token, out var index) && index < list.Count:
                list.RemoveAt(index);
                return null;
            case null:
                return error;
            default:
                return $"remove operation does not apply: doc is missing path: \"{pathText}\"";
        }
    }

    private string? Replace(IReadOnlyList<string> path, string pathText, JsonNode? value)
    {
        if (path.Count == 0)
        {
            Root = value;
            return null;
        }
        var parent = Parent(path, pathText, out var error);
        var token = path[^1];
        switch (parent)
        {
            case JsonObject map when map.ContainsKey(token):
                map[token] = value;
                return null;
            case JsonArray list when JsonPointer.TryParseIndex(token, out var index) && index < list.Count:
                list[index] = value;
                return null;
            case null:
                return error;
            default:
                return $"replace operation does not apply: doc is missing key: \"{pathText}\"";
        }
    }

    private string? Move(JsonPatchOperation operation)
    {
        var from = operation.From!;
        if (operation.FromText == operation.PathText)
        {
            return Find(from, operation.FromText, out _, out var missing) ? null : missing;
        }
        if (operation.PathText.StartsWith(operation.FromText + "/", StringComparison.Ordinal))
        {
            return $"move operation cannot move \"{operation.FromText}\" into its own child \"{operation.PathText}\"";
        }
        if (!Find(from, operation.FromText, out var value, out var error))
        {
            return error;
        }
        var moved = value?.DeepClone();
        return Remove(from, operation.FromText) ?? Add(operation.Path, operation.PathText, moved);
    }

    private string? Copy(JsonPatchOperation operation)
    {
        if (!Find(operation.From!, operation.FromText, out var value, out var error))
        {
            return error;
        }
        return Add(operation.Path, operation.PathText, value?.DeepClone());
    }

    private string? Test(JsonPatchOperation operation)
    {
        if (!Find(operation.Path, operation.PathText, out var value, out var error))
        {
            return $"testing value {operation.PathText} failed: {error}";
        }
        return JsonValues.DeepEquals(value, operation.Value)
            ? null
            : $"testing value {operation.PathText} failed: test failed";
    }

    private bool Find(IReadOnlyList<string> path, string pathText, out JsonNode? value, out string error)
    {
        value = null;
        error = "";
        if (path.Count == 0)
        {
            value = Root;
            return true;
        }
        var parent = Parent(path, pathText, out error);
        var token = path[^1];
        switch (parent)
        {
            case JsonObject map when map.TryGetPropertyValue(token, out value):
                return true;
            case JsonArray list when JsonPointer.TryParseIndex(token, out var index) && index < list.Count:
                value = list[index];
                return true;
            case null:
                return false;
            default:
                error = $"doc is missing path: \"{pathText}\"";
                return false;
        }
    }

    /// <summary>The container holding the last token of path, or null with the reason.</summary>
    private JsonNode? Parent(IReadOnlyList<string> path, string pathText, out string error)
    {
        error = "";
        var node = Root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            node = node switch
            {
                JsonObject map => map[path[i]],
                JsonArray list when JsonPointer.TryParseIndex(path[i], out var index) && index < list.Count => list[index],
                _ => null,
            };
            if (node is null)
            {
                break;
            }
        }
        if (node is JsonObject or JsonArray)
        {
            return node;
        }
        error = $"doc is missing path: \"{pathText}\"";
        return null;
    }
}
