// RFC 7386 JSON Merge Patch, as `kubectl label`, `annotate`, `scale` and `patch --type=merge`
// send it (Content-Type application/merge-patch+json).
//
//   PatchOutcome MergePatch.Apply(JsonNode target, JsonNode patch)
//
// Objects merge recursively, null deletes a member, anything else (arrays included) replaces.
// The API server always patches an object, so a patch that is not a JSON object is BadRequest
// rather than "replace the whole object with this scalar".
using System.Text.Json.Nodes;

namespace Timonel.Api.Patching;

public static class MergePatch
{
    public static PatchOutcome Apply(JsonNode target, JsonNode patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (patch is not JsonObject patchObject)
        {
            return PatchFailure.Bad("merge patch must be a JSON object");
        }
        var result = target as JsonObject ?? new JsonObject();
        return PatchOutcome.Ok(Merge((JsonObject)result.DeepClone(), patchObject));
    }

    /// <summary>Merges patch into target in place and returns target; patch is only read.</summary>
    internal static JsonObject Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild)
            {
                if (target[key] is JsonObject child)
                {
                    Merge(child, patchChild);
                }
                else
                {
                    target[key] = Merge(new JsonObject(), patchChild);
                }
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
        return target;
    }
}
