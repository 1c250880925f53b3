using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// Upstream's metadata-only representation, asked for with
/// <c>Accept: application/json;as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1</c> (the metadata
/// clients of controllers, e.g. the garbage collector, use it): each object becomes a
/// <c>PartialObjectMetadata</c> carrying only its metadata, a list a <c>PartialObjectMetadataList</c>.
/// </summary>
internal static class PartialMetadata
{
    public const string Kind = "PartialObjectMetadata";
    public const string ListKind = "PartialObjectMetadataList";
    public const string ApiVersion = "meta.k8s.io/v1";

    public static bool Wanted(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("as=PartialObjectMetadata", StringComparison.Ordinal)
            && a.Contains("g=meta.k8s.io", StringComparison.Ordinal));

    public static JsonObject Of(JsonObject obj) => new()
    {
        ["kind"] = Kind,
        ["apiVersion"] = ApiVersion,
        ["metadata"] = obj["metadata"]?.DeepClone() ?? new JsonObject(),
    };

    public static JsonObject ListOf(ListPage page) => new()
    {
        ["kind"] = ListKind,
        ["apiVersion"] = ApiVersion,
        ["metadata"] = Responses.ListMetadata(page.Revision, page.Continue, page.RemainingItemCount),
        ["items"] = new JsonArray([.. page.Items.Select(i => (JsonNode)Of(i))]),
    };
}
