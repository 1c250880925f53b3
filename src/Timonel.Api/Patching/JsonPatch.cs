// RFC 6902 JSON Patch, as `kubectl patch --type=json` and `kubectl rollout undo` send it
// (Content-Type application/json-patch+json).
//
//   PatchOutcome JsonPatch.Apply(JsonNode target, JsonNode patch)
//
// The operations run in order on a copy of target; the first failing one stops the patch and
// nothing is applied (all or nothing). A patch that is not an array of well-formed operations is
// BadRequest (400); an operation that cannot apply (missing path, index out of range, failed
// `test`) is Unprocessable (422), the codes the upstream API server answers.
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

public static class JsonPatch
{
    public static PatchOutcome Apply(JsonNode target, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        var operations = JsonPatchOperation.Decode(patch, out var decodeError);
        if (operations is null)
        {
            return PatchFailure.Bad(decodeError);
        }
        var document = new JsonPatchDocument(target.DeepClone());
        foreach (var operation in operations)
        {
            var error = document.Run(operation);
            if (error is not null)
            {
                return PatchFailure.Unprocessable(error);
            }
        }
        return document.Root is null
            ? PatchFailure.Unprocessable("the patch replaced the whole document with null")
            : PatchOutcome.Ok(document.Root);
    }
}

internal sealed record JsonPatchOperation(string Op, IReadOnlyList<string> Path, string PathText,
    IReadOnlyList<string>? From, string FromText, JsonNode? Value)
{
    public static List<JsonPatchOperation>? Decode(JsonNode patch, out string error)
    {
        error = "";
        if (patch is not JsonArray array)
        {
            error = "json patch must be a JSON array of operations";
            return null;
        }
        var operations = new List<JsonPatchOperation>(array.Count);
        foreach (var item in array)
        {
            var operation = DecodeOne(item, out error);
            if (operation is null)
            {
                return null;
            }
            operations.Add(operation);
        }
        return operations;
    }

    private static JsonPatchOperation? DecodeOne(JsonNode? item, out string error)
    {
        error = "";
        if (item is not JsonObject fields)
        {
            error = "json patch operation must be a JSON object";
            return null;
        }
        if (!JsonValues.IsString(fields["op"], out var op))
        {
            error = "json patch operation has no string \"op\"";
            return null;
        }
        if (op is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
        {
            error = $"Unexpected kind: {op}";
            return null;
        }
        if (!JsonValues.IsString(fields["path"], out var pathText))
        {
            error = $"json patch operation \"{op}\" has no string \"path\"";
            return null;
        }
        var path = JsonPointer.Parse(pathText, out error);
        if (path is null)
        {
            return null;
        }
        IReadOnlyList<string>? from = null;
        var fromText = "";
        if (op is "move" or "copy")
        {
            if (!JsonValues.IsString(fields["from"], out fromText))
            {
                error = $"json patch operation \"{op}\" has no string \"from\"";
                return null;
            }
            from = JsonPointer.Parse(fromText, out error);
            if (from is null)
            {
                return null;
            }
        }
        // "value": null is a real value (set to null); only a missing member is an error.
        if (op is "add" or "replace" or "test" && !fields.ContainsKey("value"))
        {
            error = $"json patch operation \"{op}\" at \"{pathText}\" has no \"value\"";
            return null;
        }
        return new JsonPatchOperation(op, path, pathText, from, fromText, fields["value"]);
    }
}
