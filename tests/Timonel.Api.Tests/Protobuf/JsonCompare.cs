using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Tests.Protobuf;

internal static class JsonCompare
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Canonical text of a JSON value: object keys sorted, null members dropped (for a Kubernetes
    /// API server a null member and a missing one mean the same), arrays kept in order.
    /// </summary>
    public static string Canonical(JsonNode? node) => Normalize(node)?.ToJsonString(Indented) ?? "null";

    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o
            .Where(p => p.Value is not null)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Normalize)]),
        null => null,
        _ => node.DeepClone(),
    };
}
