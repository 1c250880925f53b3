using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// core/v1 Service defaults and checks. Cluster IPs and node ports are allocated by admission,
/// after defaulting; this strategy never allocates.
/// </summary>
public sealed class ServiceStrategy : IKindStrategy
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] Affinities = ["ClientIP", "None"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];

    /// <summary>Three hours, upstream's default ClientIP affinity timeout.</summary>
    private const int DefaultAffinityTimeoutSeconds = 10800;

    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        Json.SetDefault(spec, "type", "ClusterIP");
        Json.SetDefault(spec, "sessionAffinity", "None");
        if (Json.Str(spec, "sessionAffinity") == "ClientIP")
        {
            var clientIp = Json.Child(Json.Child(spec, "sessionAffinityConfig"), "clientIP");
            Json.SetDefault(clientIp, "timeoutSeconds", DefaultAffinityTimeoutSeconds);
        }
        foreach (var (port, _) in Json.Items(spec, "ports"))
        {
            Json.SetDefault(port, "protocol", "TCP");
            if (port["targetPort"] is null && port["port"] is { } p) port["targetPort"] = p.DeepClone();
        }
        var type = Json.Str(spec, "type");
        if (type is "NodePort" or "LoadBalancer") Json.SetDefault(spec, "externalTrafficPolicy", "Cluster");
        if (type == "LoadBalancer") Json.SetDefault(spec, "allocateLoadBalancerNodePorts", true);
        if (type != "ExternalName")
        {
            Json.SetDefault(spec, "internalTrafficPolicy", "Cluster");
            Json.SetDefault(spec, "ipFamilies", new JsonArray("IPv4"));
            Json.SetDefault(spec, "ipFamilyPolicy", "SingleStack");
        }
    }

    public void PrepareForUpdate(JsonObject obj, JsonObject old) => ServiceUpdate.Prepare(obj, old);

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        var type = Json.Str(spec, "type");
        if (!Types.Contains(type)) causes.Add(FieldErrors.NotSupported("spec.type", spec["type"]?.DeepClone(), Types));
        var headless = Json.Str(spec, "clusterIP") == "None";
        var ports = Json.Arr(spec, "ports");
        if (type == "ExternalName")
        {
            if (string.IsNullOrEmpty(Json.Str(spec, "externalName"))) causes.Add(FieldErrors.Required("spec.externalName"));
        }
        else if (!headless && ports is not { Count: > 0 })
        {
            causes.Add(FieldErrors.Required("spec.ports"));
        }
        Ports(spec, type, ports?.Count ?? 0, causes);
        if (spec["sessionAffinity"] is { } affinity && !Affinities.Contains(Json.Str(spec, "sessionAffinity")))
        {
            causes.Add(FieldErrors.NotSupported("spec.sessionAffinity", affinity, Affinities));
        }
        foreach (var field in new[] { "externalTrafficPolicy", "internalTrafficPolicy" })
        {
            if (spec[field] is { } policy && !TrafficPolicies.Contains(Json.Str(spec, field)))
            {
                causes.Add(FieldErrors.NotSupported($"spec.{field}", policy, TrafficPolicies));
            }
        }
        if ((type == "ExternalName" || (type == "ClusterIP" && Json.Arr(spec, "externalIPs") is not { Count: > 0 })) && spec["externalTrafficPolicy"] is not null)
        {
            causes.Add(FieldErrors.Invalid("spec.externalTrafficPolicy", spec["externalTrafficPolicy"]?.DeepClone(), "may only be set for externally-accessible services"));
        }
        // The cluster IP is the service's identity for its clients; it only changes by deleting the service.
        var oldIp = Json.Str(Json.Obj(old, "spec"), "clusterIP");
        if (old is not null && !string.IsNullOrEmpty(oldIp) && Json.Str(Json.Obj(old, "spec"), "type") != "ExternalName" && type != "ExternalName"
            && Json.Str(spec, "clusterIP") is { Length: > 0 } newIp && newIp != oldIp)
        {
            causes.Add(FieldErrors.Invalid("spec.clusterIPs[0]", newIp, "may not change once set"));
        }
        return causes;
    }

    private static void Ports(JsonObject spec, string? type, int count, List<ErrorCause> causes)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (port, i) in Json.Items(spec, "ports"))
        {
            var path = $"spec.ports[{i}]";
            var name = Json.Str(port, "name");
            if (string.IsNullOrEmpty(name))
            {
                if (count > 1) causes.Add(FieldErrors.Required($"{path}.name"));
            }
            else if (!Names.IsLabel(name)) causes.Add(FieldErrors.Invalid($"{path}.name", name, Names.LabelMessage));
            else if (!names.Add(name)) causes.Add(FieldErrors.Duplicate($"{path}.name", name));
            var number = Json.Int(port, "port");
            if (number is null or 0) causes.Add(FieldErrors.Required($"{path}.port"));
            else if (number is < 1 or > 65535) causes.Add(FieldErrors.Invalid($"{path}.port", number.Value, PodSpecValidation.PortRangeMessage));
            if (port["protocol"] is { } protocol && !Protocols.Contains(Json.Str(port, "protocol")))
            {
                causes.Add(FieldErrors.NotSupported($"{path}.protocol", protocol, Protocols));
            }
            if (Json.Int(port, "targetPort") is { } target && target is < 1 or > 65535)
            {
                causes.Add(FieldErrors.Invalid($"{path}.targetPort", target, PodSpecValidation.PortRangeMessage));
            }
            if (Json.Int(port, "nodePort") is { } nodePort and not 0)
            {
                if (type is "ClusterIP" or "ExternalName")
                {
                    causes.Add(FieldErrors.Forbidden($"{path}.nodePort", $"may not be used when `type` is '{type}'"));
                }
                else if (nodePort is < 1 or > 65535)
                {
                    causes.Add(FieldErrors.Invalid($"{path}.nodePort", nodePort, PodSpecValidation.PortRangeMessage));
                }
            }
        }
    }
}
