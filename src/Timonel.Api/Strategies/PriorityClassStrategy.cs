using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>scheduling.k8s.io/v1 PriorityClass: user classes stay below the system's, and the value is fixed.</summary>
public sealed class PriorityClassStrategy : IKindStrategy
{
    /// <summary>Values above this belong to the built-in system-* classes.</summary>
    public const long HighestUserDefinablePriority = 1_000_000_000;

    public void Default(JsonObject obj) => Json.SetDefault(obj, "preemptionPolicy", "PreemptLowerPriority");

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var name = Json.Str(Json.Obj(obj, "metadata"), "name") ?? "";
        var isSystem = name is "system-cluster-critical" or "system-node-critical";
        if (!isSystem && name.StartsWith("system-", StringComparison.Ordinal))
        {
            causes.Add(FieldErrors.Forbidden("metadata.name", $"priority class names with 'system-' prefix are reserved for system use only. error: {name} is not a known system priority class"));
        }
        if (obj["value"] is null) causes.Add(FieldErrors.Required("value"));
        else if (!isSystem && Json.Int(obj, "value") is > HighestUserDefinablePriority)
        {
            causes.Add(FieldErrors.Forbidden("value", $"maximum allowed value of a user defined priority is {HighestUserDefinablePriority}"));
        }
        if (obj["preemptionPolicy"] is { } policy && Json.Str(obj, "preemptionPolicy") is not ("Never" or "PreemptLowerPriority"))
        {
            causes.Add(FieldErrors.NotSupported("preemptionPolicy", policy, "Never", "PreemptLowerPriority"));
        }
        if (old is not null && Json.Int(obj, "value") != Json.Int(old, "value"))
        {
            // Upstream spells this path with a capital V.
            causes.Add(FieldErrors.Forbidden("Value", "may not be changed in an update."));
        }
        return causes;
    }
}
