using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>The <c>scale</c> subresource: an autoscaling/v1 Scale view of spec.replicas.</summary>
public static class Scale
{
    public static JsonObject From(JsonObject obj, ResourceInfo resource)
    {
        var meta = ObjectMeta.Metadata(obj);
        var scaleMeta = new JsonObject();
        foreach (var f in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (meta[f] is { } v) scaleMeta[f] = v.DeepClone();
        }
        var status = new JsonObject { ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0 };
        if (obj["spec"]?["selector"] is JsonObject selector)
        {
            status["selector"] = Api.Selectors.LabelSelector.FromModel(
                System.Text.Json.JsonSerializer.Deserialize<k8s.Models.V1LabelSelector>(selector.ToJsonString())).ToString();
        }
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.DeepClone() ?? 1 },
            ["status"] = status,
        };
    }

    public static async Task UpdateAsync(HttpContext context, ApiContext api, RequestInfo request,
        Func<JsonObject, (JsonObject? Scale, ApiError? Error)> computeScale)
    {
        var store = api.StoreFor(request.Resource);
        var outcome = await store.GuaranteedUpdateAsync(request.Namespace, request.Name!, current =>
        {
            var (scale, error) = computeScale(From(current, request.Resource));
            if (error is not null)
            {
                return (null, error);
            }
            if (scale!["spec"]?["replicas"] is not JsonValue r || !r.TryGetValue<int>(out var replicas) || replicas < 0)
            {
                return (null, ApiError.Invalid("Scale", "autoscaling", request.Name!, [new(CauseReasons.Invalid, "Invalid value: must be greater than or equal to 0", "spec.replicas")]));
            }
            var updated = (JsonObject)current.DeepClone();
            var spec = updated["spec"] as JsonObject ?? [];
            updated["spec"] = spec;
            if (spec["replicas"]?.GetValue<int>() != replicas)
            {
                spec["replicas"] = replicas;
                ObjectMeta.Metadata(updated)["generation"] = ObjectMeta.Generation(current) + 1;
            }
            var requestedRv = ObjectMeta.ResourceVersion(scale);
            if (!string.IsNullOrEmpty(requestedRv)) ObjectMeta.Metadata(updated)["resourceVersion"] = requestedRv;
            else ObjectMeta.Metadata(updated).Remove("resourceVersion");
            return (updated, null);
        }, context.RequestAborted);
        if (outcome.Error is not null)
        {
            await Responses.WriteErrorAsync(context, outcome.Error);
            return;
        }
        await Responses.WriteJsonAsync(context, 200, From(outcome.Object!, request.Resource));
    }
}
