using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Rest;

/// <summary>Reads a request body in any of the formats clients send, as JSON.</summary>
public static class RequestBody
{
    private const int MaxBodyBytes = 3 * 1024 * 1024;

    public static string MediaType(HttpRequest request)
    {
        var ct = request.ContentType ?? "";
        var semi = ct.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? ct : ct[..semi]).Trim().ToLowerInvariant();
    }

    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is long length and > 0 and <= MaxBodyBytes)
        {
            // The usual case (kubectl and client libraries send a length): one exact-size array.
            var body = new byte[length];
            await request.Body.ReadExactlyAsync(body, ct);
            return body;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    /// <summary>Reads a body that must be an object (create, update): JSON, YAML or protobuf.</summary>
    public static async Task<(JsonObject? Object, ApiError? Error)> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        var bytes = await ReadBytesAsync(request, ct);
        if (bytes.Length > MaxBodyBytes)
        {
            return (null, new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
        }
        var media = MediaType(request);
        return media switch
        {
            "" or "application/json" or "*/*" => ParseJson(bytes),
            "application/yaml" or "application/x-yaml" or "text/yaml" => ParseYaml(bytes),
            "application/vnd.kubernetes.protobuf" => ProtobufBodies.Decode(bytes),
            _ => (null, ApiError.UnsupportedMediaType(request.ContentType ?? "")),
        };
    }

    public static (JsonObject? Object, ApiError? Error) ParseJson(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 128 }) is JsonObject obj
                ? (obj, null)
                : (null, ApiError.BadRequest("the body of the request must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, ApiError.BadRequest($"error decoding JSON: {e.Message}"));
        }
    }

    public static (JsonObject? Object, ApiError? Error) ParseYaml(byte[] bytes)
    {
        var (node, error) = YamlJson.Parse(System.Text.Encoding.UTF8.GetString(bytes));
        return node switch
        {
            JsonObject obj => (obj, null),
            null => (null, ApiError.BadRequest($"error decoding YAML: {error}")),
            _ => (null, ApiError.BadRequest("the body of the request must be an object")),
        };
    }
}
