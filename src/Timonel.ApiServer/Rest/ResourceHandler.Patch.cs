using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

public sealed partial class ResourceHandler
{
    private async Task PatchAsync(HttpContext context, RequestInfo request)
    {
        var media = RequestBody.MediaType(context.Request);
        var patchBytes = await RequestBody.ReadBytesAsync(context.Request, context.RequestAborted);
        var (patch, error) = media == PatchTypes.Apply ? ParseApplyBody(patchBytes) : ParsePatchBody(patchBytes);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        if (!PatchTypes.IsSupported(media))
        {
            await Responses.WriteErrorAsync(context, new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", PatchTypes.All)}"));
            return;
        }
        var query = context.Request.Query;
        var manager = media == PatchTypes.Apply ? query["fieldManager"].ToString() : PatchApplier.ManagerOf(context.Request);
        var force = PathParser.IsTrue(query["force"]);
        if (media == PatchTypes.Apply && string.IsNullOrEmpty(manager))
        {
            await Responses.WriteErrorAsync(context, ApiError.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"));
            return;
        }
        if (request.Subresource == "scale")
        {
            await UpdateScaleAsync(context, request, scale => PatchApplier.Apply(media, scale, patch!, null, manager, force, api.Time.GetUtcNow(), null));
            return;
        }
        if (media == PatchTypes.Apply && request.Subresource is null && await TryCreateFromApplyAsync(context, request, patch!, manager))
        {
            return;
        }
        var warningsAdded = false;
        await WriteUpdateAsync(context, request, current =>
        {
            var (patched, patchError) = PatchApplier.Apply(media, current, patch!, request.Resource, manager, force, api.Time.GetUtcNow(), request.Subresource);
            if (patchError is null && !warningsAdded)
            {
                warningsAdded = true;
                var fieldError = FieldValidation.Check(context, patched!, request.Resource);
                if (fieldError is not null)
                {
                    return (null, fieldError);
                }
            }
            return (patched, patchError);
        }, trackFields: media != PatchTypes.Apply);
    }

    /// <summary>
    /// Server-side apply of a name that does not exist creates it, through the same pipeline as a
    /// POST (admission included: a Service applied by helm gets its ClusterIP) and with dry runs
    /// stored nowhere. False when the object exists, also when it appeared meanwhile: the caller
    /// then applies to it.
    /// </summary>
    private async Task<bool> TryCreateFromApplyAsync(HttpContext context, RequestInfo request, JsonNode patch, string manager)
    {
        var ct = context.RequestAborted;
        var (_, getError) = await api.StoreFor(request.Resource).GetAsync(request.Namespace, request.Name!, ct);
        if (getError is not { Code: 404 })
        {
            return false;
        }
        var (obj, error) = PatchApplier.CreateFromApply(patch, request.Resource, manager, api.Time.GetUtcNow());
        if (error is null && ObjectMeta.Name(obj!) != request.Name)
        {
            error = ApiError.BadRequest($"the name of the object ({ObjectMeta.Name(obj!)}) does not match the name on the URL ({request.Name})");
        }
        error ??= FieldValidation.Check(context, obj!, request.Resource);
        JsonObject? created = null;
        if (error is null)
        {
            (created, error) = await CreateObjectAsync(context, request, obj!, trackFields: false, ct);
        }
        if (error is { Reason: "AlreadyExists" })
        {
            return false;
        }
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return true;
        }
        await WriteObjectAsync(context, 201, created!, request);
        return true;
    }

    private static (JsonNode? Patch, ApiError? Error) ParseApplyBody(byte[] bytes)
    {
        var outcome = Api.Patching.ApplyBody.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        return outcome.Succeeded ? (outcome.Result, null) : (null, ApiError.BadRequest(outcome.Failure.Message));
    }

    private static (JsonNode? Patch, ApiError? Error) ParsePatchBody(byte[] bytes)
    {
        try
        {
            return (JsonNode.Parse(bytes), null);
        }
        catch (System.Text.Json.JsonException e)
        {
            return (null, ApiError.BadRequest($"error decoding patch: {e.Message}"));
        }
    }
}

/// <summary>The patch media types the server accepts.</summary>
public static class PatchTypes
{
    public const string Json = "application/json-patch+json";
    public const string Merge = "application/merge-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string Apply = "application/apply-patch+yaml";

    public static readonly string[] All = [Json, Merge, Strategic, Apply];

    public static bool IsSupported(string media) => All.Contains(media);
}
