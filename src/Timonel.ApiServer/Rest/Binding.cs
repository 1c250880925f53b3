using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary><c>pods/binding</c>: sets spec.nodeName once, and the PodScheduled condition, as the scheduler asks.</summary>
public static class Binding
{
    public static async Task BindAsync(HttpContext context, ApiContext api, RequestInfo request)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        var node = body?["target"]?["name"]?.GetValue<string>();
        if (error is null && string.IsNullOrEmpty(node))
        {
            error = ApiError.Invalid("Binding", "", request.Name!, [new(CauseReasons.Required, "Required value", "target.name")]);
        }
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var now = ObjectMeta.Timestamp(api.Time.GetUtcNow());
        var outcome = await api.StoreFor(request.Resource).GuaranteedUpdateAsync(request.Namespace, request.Name!, current =>
        {
            if (ObjectMeta.IsDeleting(current))
            {
                return (null, new ApiError(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{request.Name}\": pod {request.Name} is being deleted, cannot be assigned to a host"));
            }
            if (current["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } existing)
            {
                return (null, new ApiError(409, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{request.Name}\": pod {request.Name} is already assigned to node \"{existing}\""));
            }
            var updated = (JsonObject)current.DeepClone();
            ObjectMeta.Metadata(updated).Remove("resourceVersion");
            updated["spec"]!["nodeName"] = node;
            var status = updated["status"] as JsonObject ?? [];
            updated["status"] = status;
            var conditions = status["conditions"] as JsonArray ?? [];
            status["conditions"] = conditions;
            var scheduled = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "PodScheduled");
            if (scheduled is null)
            {
                scheduled = new JsonObject { ["type"] = "PodScheduled" };
                conditions.Add(scheduled);
            }
            scheduled["status"] = "True";
            scheduled["lastTransitionTime"] = now;
            scheduled.Remove("reason");
            scheduled.Remove("message");
            return (updated, null);
        }, context.RequestAborted);
        if (outcome.Error is not null)
        {
            await Responses.WriteErrorAsync(context, outcome.Error);
            return;
        }
        await Responses.WriteJsonAsync(context, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 });
    }
}
