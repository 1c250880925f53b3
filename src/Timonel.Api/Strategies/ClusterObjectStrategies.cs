using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>coordination.k8s.io/v1 Lease: durations and transition counts are positive.</summary>
public sealed class LeaseStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec");
        if (Json.Int(spec, "leaseDurationSeconds") is <= 0 and var d)
        {
            causes.Add(FieldErrors.Invalid("spec.leaseDurationSeconds", d, "must be greater than 0"));
        }
        if (Json.Int(spec, "leaseTransitions") is < 0 and var t)
        {
            causes.Add(FieldErrors.Invalid("spec.leaseTransitions", t, "must be greater than or equal to 0"));
        }
        return causes;
    }
}

/// <summary>core/v1 Event: it is about some object, in the event's own namespace.</summary>
public sealed class EventStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        if (obj["involvedObject"] is not JsonObject involved)
        {
            causes.Add(FieldErrors.Required("involvedObject"));
            return causes;
        }
        var eventNs = Json.Str(Json.Obj(obj, "metadata"), "namespace");
        var objectNs = Json.Str(involved, "namespace");
        // Events about cluster-scoped objects may live in default; others follow their object.
        if (!string.IsNullOrEmpty(objectNs) && objectNs != eventNs)
        {
            causes.Add(FieldErrors.Invalid("involvedObject.namespace", objectNs, "does not match event.namespace"));
        }
        if (obj["type"] is { } type && Json.Str(obj, "type") is not ("Normal" or "Warning"))
        {
            causes.Add(FieldErrors.NotSupported("type", type, "Normal", "Warning"));
        }
        return causes;
    }
}

/// <summary>core/v1 Node: the pod CIDRs are CIDRs, and once assigned they stay.</summary>
public sealed class NodeStrategy : IKindStrategy
{
    public const string CidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    public void Default(JsonObject obj)
    {
        // podCIDR is the first of podCIDRs; clients may set either.
        var spec = Json.Obj(obj, "spec");
        if (spec is null) return;
        if (Json.Str(spec, "podCIDR") is { Length: > 0 } cidr && spec["podCIDRs"] is null) spec["podCIDRs"] = new JsonArray(cidr);
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec");
        // Defaulting copied podCIDR into podCIDRs, which is what is checked (as upstream does).
        foreach (var (node, i) in (Json.Arr(spec, "podCIDRs") ?? []).Select((n, i) => (n, i)))
        {
            var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
            if (!IPNetwork.TryParse(text, out _)) causes.Add(FieldErrors.Invalid($"spec.podCIDRs[{i}]", text, CidrMessage));
        }
        var oldCidrs = Json.Arr(Json.Obj(old, "spec"), "podCIDRs");
        if (old is not null && oldCidrs is { Count: > 0 } && !JsonNode.DeepEquals(oldCidrs, Json.Arr(spec, "podCIDRs")))
        {
            causes.Add(FieldErrors.Forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
        }
        return causes;
    }
}
