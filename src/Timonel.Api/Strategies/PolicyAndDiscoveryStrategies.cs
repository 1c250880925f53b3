using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>policy/v1 PodDisruptionBudget: a budget is either a floor (minAvailable) or a ceiling (maxUnavailable).</summary>
public sealed class PodDisruptionBudgetStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        if (spec["minAvailable"] is not null && spec["maxUnavailable"] is not null)
        {
            causes.Add(FieldErrors.Invalid("spec", spec.DeepClone(), "minAvailable and maxUnavailable cannot be both set"));
        }
        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            IntOrPercent(spec[field], $"spec.{field}", causes);
        }
        if (spec["unhealthyPodEvictionPolicy"] is { } policy && Json.Str(spec, "unhealthyPodEvictionPolicy") is not ("AlwaysAllow" or "IfHealthyBudget"))
        {
            causes.Add(FieldErrors.NotSupported("spec.unhealthyPodEvictionPolicy", policy, "AlwaysAllow", "IfHealthyBudget"));
        }
        return causes;
    }

    /// <summary>A count (0 or more) or a percentage from 0% to 100%.</summary>
    public static void IntOrPercent(JsonNode? value, string path, List<ErrorCause> causes)
    {
        if (value is not JsonValue v) return;
        if (v.TryGetValue<string>(out var s))
        {
            if (!s.EndsWith('%') || !int.TryParse(s[..^1], out var percent))
            {
                causes.Add(FieldErrors.Invalid(path, s, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
            }
            else if (percent is < 0 or > 100)
            {
                causes.Add(FieldErrors.Invalid(path, s, "must not be greater than 100%"));
            }
        }
        else if (v.TryGetValue<long>(out var n) && n < 0)
        {
            causes.Add(FieldErrors.Invalid(path, n, "must be greater than or equal to 0"));
        }
    }
}

/// <summary>discovery.k8s.io/v1 EndpointSlice: one address family (or FQDN) per slice, fixed for life.</summary>
public sealed class EndpointSliceStrategy : IKindStrategy
{
    private static readonly string[] AddressTypes = ["FQDN", "IPv4", "IPv6"];

    public void Default(JsonObject obj)
    {
        foreach (var (port, _) in Json.Items(obj, "ports")) Json.SetDefault(port, "protocol", "TCP");
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var type = Json.Str(obj, "addressType");
        if (type is null) causes.Add(FieldErrors.Required("addressType"));
        else if (!AddressTypes.Contains(type)) causes.Add(FieldErrors.NotSupported("addressType", obj["addressType"]?.DeepClone(), AddressTypes));
        if (old is not null && type != Json.Str(old, "addressType"))
        {
            causes.Add(FieldErrors.Invalid("addressType", type ?? "", "field is immutable"));
        }
        foreach (var (endpoint, i) in Json.Items(obj, "endpoints"))
        {
            if (Json.Arr(endpoint, "addresses") is not { Count: > 0 })
            {
                causes.Add(FieldErrors.Required($"endpoints[{i}].addresses", "must contain at least 1 address"));
            }
        }
        foreach (var (port, i) in Json.Items(obj, "ports"))
        {
            if (Json.Int(port, "port") is { } p && p is < 1 or > 65535)
            {
                causes.Add(FieldErrors.Invalid($"ports[{i}].port", p, PodSpecValidation.PortRangeMessage));
            }
        }
        return causes;
    }
}
