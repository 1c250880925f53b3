using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.Rest;

/// <summary>Applies a patch of any supported type to an object's JSON (the patch machinery lives in Timonel.Api).</summary>
public static class PatchApplier
{
    public static (JsonObject? Patched, ApiError? Error) Apply(string media, JsonObject current, JsonNode patch,
        ResourceInfo? resource, string manager, bool force) =>
        (null, new ApiError(415, "UnsupportedMediaType", $"patch type {media} is not supported yet"));

    public static (JsonObject? Created, ApiError? Error) CreateFromApply(JsonNode patch, ResourceInfo resource, string manager, DateTimeOffset now) =>
        (null, new ApiError(415, "UnsupportedMediaType", "server-side apply is not supported yet"));
}
