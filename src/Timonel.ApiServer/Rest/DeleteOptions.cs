using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Rest;

/// <summary>The options of a delete, from its body (DeleteOptions) or its query string.</summary>
public sealed record DeleteOptions(string? PropagationPolicy, long? GracePeriodSeconds, string? PreconditionUid, string? PreconditionResourceVersion)
{
    public static async Task<(DeleteOptions? Options, ApiError? Error)> ReadAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? policy = query["propagationPolicy"].ToString() is { Length: > 0 } p ? p : null;
        long? grace = long.TryParse(query["gracePeriodSeconds"], out var g) ? g : null;
        string? uid = null, rv = null;
        if (query["orphanDependents"] == "true") policy ??= "Orphan";
        var bytes = await RequestBody.ReadBytesAsync(context.Request, context.RequestAborted);
        if (bytes.Length > 0)
        {
            var (body, error) = RequestBody.MediaType(context.Request) == "application/vnd.kubernetes.protobuf"
                ? ProtobufBodies.Decode(bytes)
                : RequestBody.ParseJson(bytes);
            if (error is not null)
            {
                return (null, error);
            }
            policy = ObjectStr(body!, "propagationPolicy") ?? policy;
            if (body!["gracePeriodSeconds"] is JsonValue gv && gv.TryGetValue<long>(out var bg)) grace = bg;
            if (body["orphanDependents"] is JsonValue ov && ov.TryGetValue<bool>(out var orphan) && orphan) policy ??= "Orphan";
            uid = ObjectStr(body["preconditions"] as JsonObject, "uid");
            rv = ObjectStr(body["preconditions"] as JsonObject, "resourceVersion");
        }
        if (policy is not (null or "Background" or "Foreground" or "Orphan"))
        {
            return (null, ApiError.Invalid("DeleteOptions", "meta.k8s.io", "", [new(CauseReasons.NotSupported, $"Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\"", "propagationPolicy")]));
        }
        return (new(policy, grace, uid, rv), null);
    }

    private static string? ObjectStr(JsonObject? obj, string field) =>
        obj?[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
