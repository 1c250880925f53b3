using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Rest;

/// <summary>Protobuf request bodies (<c>k8s\0</c> + envelope), as typed <c>kubectl create</c> sends them.</summary>
public static class ProtobufBodies
{
    public static (JsonObject? Object, ApiError? Error) Decode(byte[] bytes) =>
        (null, ApiError.UnsupportedMediaType("application/vnd.kubernetes.protobuf"));
}
