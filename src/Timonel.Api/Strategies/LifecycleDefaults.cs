using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>Namespaces start Active with the "kubernetes" finalizer, as upstream's namespace strategy sets them.</summary>
public sealed class NamespaceStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        if (spec["finalizers"] is not JsonArray) spec["finalizers"] = new JsonArray("kubernetes");
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        if (status["phase"] is null) status["phase"] = "Active";
        var labels = (obj["metadata"] as JsonObject)?["labels"] as JsonObject ?? [];
        var name = (obj["metadata"] as JsonObject)?["name"]?.GetValue<string>();
        if (name is not null)
        {
            labels["kubernetes.io/metadata.name"] = name;
            obj["metadata"]!["labels"] = labels;
        }
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old) => [];
}
