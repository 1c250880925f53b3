using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Protobuf;

namespace Timonel.ApiServer.Rest;

/// <summary>Protobuf request bodies (<c>k8s\0</c> + envelope), as typed <c>kubectl create</c> sends them; answered in JSON.</summary>
public static class ProtobufBodies
{
    public static (JsonObject? Object, ApiError? Error) Decode(byte[] bytes)
    {
        if (ProtobufBody.TryDecode(bytes, out var json, out var error))
        {
            return (json, null);
        }
        return error.Failure == ProtobufDecodeFailure.Malformed
            ? (null, ApiError.BadRequest($"error decoding protobuf body: {error.Message}"))
            : (null, new ApiError(415, "UnsupportedMediaType", error.Message));
    }
}
