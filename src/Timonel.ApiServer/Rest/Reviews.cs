using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Routing;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The create-only review resources, answered from the request's own user and the authorizer:
/// SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`) and
/// SelfSubjectReview (`kubectl auth whoami`). Nothing is stored.
/// </summary>
public static class Reviews
{
    public static async Task HandleAsync(HttpContext context, RequestInfo request, IAuthorizer authorizer)
    {
        if (request.Verb != Verb.Create)
        {
            await Responses.WriteErrorAsync(context, ApiError.MethodNotAllowed($"{request.Resource.Plural} only supports create"));
            return;
        }
        var (review, error) = await RequestBody.ReadObjectAsync(context.Request, context.RequestAborted);
        if (error is not null)
        {
            await Responses.WriteErrorAsync(context, error);
            return;
        }
        var user = (UserInfo)context.Items[typeof(UserInfo)]!;
        review!["apiVersion"] = request.Resource.ApiVersion;
        review["kind"] = request.Resource.Kind;
        review["status"] = request.Resource.Kind switch
        {
            "SelfSubjectAccessReview" => AccessStatus(review, user, authorizer),
            "SelfSubjectRulesReview" => new JsonObject
            {
                ["resourceRules"] = new JsonArray(new JsonObject { ["verbs"] = new JsonArray("*"), ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*") }),
                ["nonResourceRules"] = new JsonArray(new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") }),
                ["incomplete"] = false,
            },
            _ => new JsonObject
            {
                ["userInfo"] = new JsonObject
                {
                    ["username"] = user.Name,
                    ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)g).ToArray()),
                },
            },
        };
        await Responses.WriteJsonAsync(context, 201, review);
    }

    private static JsonObject AccessStatus(JsonObject review, UserInfo user, IAuthorizer authorizer)
    {
        var attrs = review["spec"]?["resourceAttributes"] as JsonObject;
        var decision = authorizer.Authorize(user,
            attrs?["verb"]?.GetValue<string>() ?? "get",
            attrs?["group"]?.GetValue<string>() ?? "",
            attrs?["resource"]?.GetValue<string>() ?? "",
            attrs?["namespace"]?.GetValue<string>(),
            attrs?["name"]?.GetValue<string>());
        return new JsonObject { ["allowed"] = decision.Allowed, ["reason"] = decision.Reason };
    }
}
