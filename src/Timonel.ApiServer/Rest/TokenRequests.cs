using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// <c>serviceaccounts/token</c> (TokenRequest, authentication.k8s.io/v1): a token for the service
/// account, as upstream defaults and checks the request: expirationSeconds 3600 by default, at
/// least 600; audiences default to the API server's own; boundObjectRef may name a Pod of the
/// namespace (its uid, when given, must be the current one). Answers 201 with the request and
/// status.token / status.expirationTimestamp.
/// </summary>
public static class TokenRequests
{
    private const long DefaultExpirationSeconds = 3600;
    private const long MinimumExpirationSeconds = 600;
    private const long MaximumExpirationSeconds = 1L << 32;

    public static async Task CreateAsync(HttpContext context, ApiContext api, RequestInfo request, ServiceAccountTokens tokens)
    {
        var ct = context.RequestAborted;
        var ns = request.Namespace!;
        var name = request.Name!;
        var (body, error) = await RequestBody.ReadObjectAsync(context.Request, ct);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var (account, notFound) = await api.StoreFor(request.Resource).GetAsync(ns, name, ct);
        if (account is null)
        {
            await Responses.WriteErrorAsync(context, notFound ?? ApiError.NotFound("serviceaccounts", name));
            return;
        }
        var spec = body?["spec"] as JsonObject ?? [];
        var expiration = spec["expirationSeconds"]?.GetValue<long>() ?? DefaultExpirationSeconds;
        var invalid = expiration switch
        {
            < MinimumExpirationSeconds => "may not specify a duration less than 10 minutes",
            > MaximumExpirationSeconds => "may not specify a duration larger than 2^32 seconds",
            _ => null,
        };
        if (invalid is not null)
        {
            await Responses.WriteErrorAsync(context, ApiError.Invalid("TokenRequest", "authentication.k8s.io", name,
                [new(CauseReasons.Invalid, $"Invalid value: {expiration.ToString(CultureInfo.InvariantCulture)}: {invalid}", "spec.expirationSeconds")]));
            return;
        }
        var audiences = (spec["audiences"] as JsonArray ?? []).Select(a => a?.GetValue<string>() ?? "").Where(a => a.Length > 0).ToList();
        if (audiences.Count == 0)
        {
            audiences.Add(ServiceAccountTokens.Issuer);
        }
        var subject = new ServiceAccountSubject(ns, name, ObjectMeta.Uid(account) ?? "");
        if (spec["boundObjectRef"] is JsonObject bound)
        {
            var (boundSubject, boundError) = await BindAsync(api, subject, bound, ct);
            if (boundError is not null)
            {
                await Responses.WriteErrorAsync(context, boundError);
                return;
            }
            subject = boundSubject!;
        }
        var (token, expiresAt) = tokens.Issue(subject, audiences, TimeSpan.FromSeconds(expiration));
        spec["audiences"] = new JsonArray(audiences.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        spec["expirationSeconds"] = expiration;
        spec["boundObjectRef"] = spec["boundObjectRef"]?.DeepClone();
        await Responses.WriteJsonAsync(context, 201, new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["creationTimestamp"] = ObjectMeta.Timestamp(api.Time.GetUtcNow()),
            },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = ObjectMeta.Timestamp(expiresAt) },
        });
    }

    /// <summary>The subject bound to the pod the reference names (Pods only: Secret and Node bindings are not served).</summary>
    private static async Task<(ServiceAccountSubject? Subject, ApiError? Error)> BindAsync(
        ApiContext api, ServiceAccountSubject subject, JsonObject reference, CancellationToken ct)
    {
        var kind = reference["kind"]?.GetValue<string>();
        var podName = reference["name"]?.GetValue<string>() ?? "";
        if (kind != "Pod")
        {
            return (null, ApiError.BadRequest($"cannot bind token for object of kind {kind ?? "\"\""} (only Pod is supported)"));
        }
        var pods = api.Registry.Find("", "v1", "pods")!;
        var (pod, _) = await api.StoreFor(pods).GetAsync(subject.Namespace, podName, ct);
        if (pod is null)
        {
            return (null, ApiError.NotFound("pods", podName));
        }
        var uid = ObjectMeta.Uid(pod) ?? "";
        if (reference["uid"]?.GetValue<string>() is { Length: > 0 } wanted && wanted != uid)
        {
            return (null, new ApiError(409, "Conflict",
                $"the UID in the bound object reference ({wanted}) does not match the UID in record. The object might have been deleted and then recreated"));
        }
        return (subject with { PodName = podName, PodUid = uid }, null);
    }
}
