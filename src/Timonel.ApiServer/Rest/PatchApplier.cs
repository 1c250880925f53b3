using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Patching;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// Applies a patch of any supported type to an object's JSON with the machinery of
/// Timonel.Api.Patching, and keeps metadata.managedFields for every write.
/// </summary>
public static class PatchApplier
{
    public static (JsonObject? Patched, ApiError? Error) Apply(string media, JsonObject current, JsonNode patch,
        ResourceInfo? resource, string manager, bool force, DateTimeOffset now, string? subresource)
    {
        var schema = resource is null ? PatchSchema.Unknown : PatchSchema.For(resource.ModelType);
        var outcome = media switch
        {
            PatchTypes.Json => JsonPatch.Apply(current, patch),
            PatchTypes.Merge => MergePatch.Apply(current, patch),
            PatchTypes.Strategic => StrategicMergePatch.Apply(current, patch, schema),
            PatchTypes.Apply when patch is JsonObject applied && resource is not null =>
                ServerSideApply.Apply(current, applied, new ApplyRequest(manager, schema, resource.ApiVersion, now) { Force = force, Subresource = subresource }),
            _ => null,
        };
        if (outcome is null)
        {
            return (null, ApiError.BadRequest($"patch type {media} cannot be applied here"));
        }
        return ToResult(outcome, resource);
    }

    public static (JsonObject? Created, ApiError? Error) CreateFromApply(JsonNode patch, ResourceInfo resource, string manager, DateTimeOffset now)
    {
        if (patch is not JsonObject applied)
        {
            return (null, ApiError.BadRequest("the apply body must be an object"));
        }
        var outcome = ServerSideApply.Apply(null, applied, new ApplyRequest(manager, PatchSchema.For(resource.ModelType), resource.ApiVersion, now));
        return ToResult(outcome, resource);
    }

    /// <summary>Records an ordinary write's fields under its manager; returns the object to store.</summary>
    public static JsonObject TrackUpdate(JsonObject? old, JsonObject updated, ResourceInfo resource, string manager, DateTimeOffset now, string? subresource) =>
        ManagedFieldsTracker.RecordUpdate(old, updated,
            new UpdateRequest(manager, PatchSchema.For(resource.ModelType), resource.ApiVersion, now) { Subresource = subresource });

    /// <summary>The manager of a non-apply write: fieldManager, else the user agent's product name, as upstream.</summary>
    public static string ManagerOf(HttpRequest request)
    {
        var explicitManager = request.Query["fieldManager"].ToString();
        if (explicitManager.Length > 0)
        {
            return explicitManager;
        }
        var agent = request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        var product = slash > 0 ? agent[..slash] : agent;
        return product.Length == 0 ? "unknown" : product.Length > 128 ? product[..128] : product;
    }

    private static (JsonObject? Result, ApiError? Error) ToResult(PatchOutcome outcome, ResourceInfo? resource)
    {
        if (outcome.Succeeded)
        {
            return outcome.Result is JsonObject obj ? (obj, null) : (null, new ApiError(422, "Invalid", "the patched object is not a JSON object"));
        }
        var failure = outcome.Failure;
        return failure.Kind switch
        {
            PatchFailureKind.Conflict => (null, new ApiError(409, "Conflict", failure.Message)
            {
                Group = resource?.Group,
                Kind = resource?.Plural,
                Causes = failure.Conflicts.Select(c => new ErrorCause("FieldManagerConflict", c.CauseMessage, c.Field)).ToList(),
            }),
            PatchFailureKind.BadRequest => (null, ApiError.BadRequest(failure.Message)),
            _ => (null, new ApiError(failure.HttpStatus, "Invalid", failure.Message)),
        };
    }
}
