using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// <c>fieldValidation=Strict|Warn|Ignore</c>: unknown fields are a 400 under Strict, a Warning header
/// under Warn (the default), and dropped silently under Ignore.
/// </summary>
public static class FieldValidation
{
    public static Task<ApiError?> CheckAsync(HttpContext context, JsonObject obj, ResourceInfo resource) =>
        Task.FromResult(Check(context, obj, resource));

    public static ApiError? Check(HttpContext context, JsonObject obj, ResourceInfo resource)
    {
        var mode = context.Request.Query["fieldValidation"].ToString();
        if (mode == "Ignore")
        {
            return null;
        }
        var unknown = Api.Schema.UnknownFields.Find(obj, resource.ModelType);
        if (unknown.Count == 0)
        {
            return null;
        }
        if (mode == "Strict")
        {
            var message = string.Join(", ", unknown.Select(f => $"unknown field \"{f}\""));
            return ApiError.BadRequest($"strict decoding error: {message}");
        }
        foreach (var field in unknown)
        {
            Responses.AddWarning(context, $"unknown field \"{field}\"");
        }
        return null;
    }
}
