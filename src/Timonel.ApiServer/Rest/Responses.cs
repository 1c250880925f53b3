using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>Writes JSON bodies and Status errors.</summary>
public static class Responses
{
    public const string Json = "application/json";

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = Json;
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonBytes.WriterOptions);
        body.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (error.RetryAfterSeconds is { } retry)
        {
            context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return WriteJsonAsync(context, error.Code, error.ToStatus());
    }

    /// <summary>A <c>Status</c> of success, as deletes of most resources answer.</summary>
    public static JsonObject Success(string name, string kind, string? uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["kind"] = kind, ["uid"] = uid },
    };

    /// <summary>Adds a <c>Warning</c> header as upstream does: <c>299 - "text"</c>.</summary>
    public static void AddWarning(HttpContext context, string text) =>
        context.Response.Headers.Append("Warning", $"299 - \"{text.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
}
