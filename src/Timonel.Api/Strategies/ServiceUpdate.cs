using System.Text.Json.Nodes;

namespace Timonel.Api.Strategies;

/// <summary>
/// What an update of a Service keeps and drops before it is defaulted and checked, as upstream's
/// service strategy does: values the server allocated and the client left out stay (a PUT without
/// <c>clusterIP</c> keeps the address, a port without <c>nodePort</c> keeps its port), and when the
/// type changes, the fields the old type needed and the new one may not have are wiped if the
/// client did not change them (NodePort to ClusterIP drops the node ports and the external traffic
/// policy a three-way merge carried over from the live object).
/// </summary>
public static class ServiceUpdate
{
    public static void Prepare(JsonObject obj, JsonObject old)
    {
        var spec = Json.Child(obj, "spec");
        var oldSpec = Json.Obj(old, "spec") ?? [];
        KeepAllocated(spec, oldSpec);
        AlignClusterIps(spec);
        DropTypeDependent(obj, spec, oldSpec);
    }

    public static bool NeedsClusterIp(JsonObject? spec) => Type(spec) != "ExternalName";

    public static bool NeedsNodePorts(JsonObject? spec) =>
        Type(spec) == "NodePort" || (Type(spec) == "LoadBalancer" && Json.Bool(spec, "allocateLoadBalancerNodePorts") != false);

    /// <summary>The node ports a Service spec names, 0s left out.</summary>
    public static HashSet<long> NodePorts(JsonObject? spec) =>
        Json.Items(spec, "ports").Select(p => Json.Int(p.Item, "nodePort") ?? 0).Where(p => p != 0).ToHashSet();

    /// <summary>The cluster addresses a Service spec holds ("None" and empty left out).</summary>
    public static IEnumerable<string> ClusterIps(JsonObject? spec) =>
        (Json.Arr(spec, "clusterIPs") ?? []).Select(n => n is JsonValue v && v.TryGetValue<string>(out var ip) ? ip : null)
            .OfType<string>().Where(ip => ip is { Length: > 0 } and not "None");

    private static string Type(JsonObject? spec) => Json.Str(spec, "type") ?? "ClusterIP";

    private static bool NeedsHealthCheckNodePort(JsonObject? spec) =>
        Type(spec) == "LoadBalancer" && Json.Str(spec, "externalTrafficPolicy") == "Local";

    private static bool ExternallyAccessible(JsonObject? spec) =>
        Type(spec) is "NodePort" or "LoadBalancer" || (Type(spec) == "ClusterIP" && Json.Arr(spec, "externalIPs") is { Count: > 0 });

    private static void KeepAllocated(JsonObject spec, JsonObject oldSpec)
    {
        if (NeedsClusterIp(oldSpec) && NeedsClusterIp(spec))
        {
            if (string.IsNullOrEmpty(Json.Str(spec, "clusterIP")) && oldSpec["clusterIP"] is { } ip) spec["clusterIP"] = ip.DeepClone();
            if (Json.Arr(spec, "clusterIPs") is not { Count: > 0 } && Json.Arr(oldSpec, "clusterIPs") is { Count: > 0 } ips) spec["clusterIPs"] = ips.DeepClone();
        }
        if (NeedsNodePorts(oldSpec) && NeedsNodePorts(spec))
        {
            // A port the client sent without a node port gets the one its namesake had, unless
            // another port of the new spec already claims that number.
            var claimed = NodePorts(spec);
            var byName = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (port, _) in Json.Items(oldSpec, "ports")) byName.TryAdd(Json.Str(port, "name") ?? "", Json.Int(port, "nodePort") ?? 0);
            foreach (var (port, _) in Json.Items(spec, "ports"))
            {
                if ((Json.Int(port, "nodePort") ?? 0) == 0 && byName.GetValueOrDefault(Json.Str(port, "name") ?? "") is var previous and not 0
                    && !claimed.Contains(previous))
                {
                    port["nodePort"] = (int)previous;
                }
            }
        }
        if (NeedsHealthCheckNodePort(oldSpec) && NeedsHealthCheckNodePort(spec) && (Json.Int(spec, "healthCheckNodePort") ?? 0) == 0
            && oldSpec["healthCheckNodePort"] is { } hc)
        {
            spec["healthCheckNodePort"] = hc.DeepClone();
        }
    }

    /// <summary>clusterIP and clusterIPs[0] name the same address; a client that set only one gets both.</summary>
    private static void AlignClusterIps(JsonObject spec)
    {
        var ip = Json.Str(spec, "clusterIP");
        var ips = Json.Arr(spec, "clusterIPs");
        if (!string.IsNullOrEmpty(ip) && ips is not { Count: > 0 }) spec["clusterIPs"] = new JsonArray(ip);
        else if (string.IsNullOrEmpty(ip) && ips is { Count: > 0 } && ips[0] is { } first) spec["clusterIP"] = first.DeepClone();
    }

    private static void DropTypeDependent(JsonObject obj, JsonObject spec, JsonObject oldSpec)
    {
        if (Type(spec) == Type(oldSpec))
        {
            return;
        }
        if (NeedsClusterIp(oldSpec) && !NeedsClusterIp(spec))
        {
            if (Same(spec, oldSpec, "clusterIP") && Same(spec, oldSpec, "clusterIPs"))
            {
                spec.Remove("clusterIP");
                spec.Remove("clusterIPs");
            }
            if (Same(spec, oldSpec, "ipFamilies")) spec.Remove("ipFamilies");
            if (Same(spec, oldSpec, "ipFamilyPolicy")) spec.Remove("ipFamilyPolicy");
        }
        if (NeedsNodePorts(oldSpec) && !NeedsNodePorts(spec) && NodePorts(spec).IsSubsetOf(NodePorts(oldSpec)))
        {
            foreach (var (port, _) in Json.Items(spec, "ports")) port.Remove("nodePort");
        }
        if (NeedsHealthCheckNodePort(oldSpec) && !NeedsHealthCheckNodePort(spec) && Same(spec, oldSpec, "healthCheckNodePort"))
        {
            spec.Remove("healthCheckNodePort");
        }
        if (Type(oldSpec) == "LoadBalancer" && Type(spec) != "LoadBalancer")
        {
            if (Same(spec, oldSpec, "allocateLoadBalancerNodePorts")) spec.Remove("allocateLoadBalancerNodePorts");
            if (Same(spec, oldSpec, "loadBalancerClass")) spec.Remove("loadBalancerClass");
        }
        if (ExternallyAccessible(oldSpec) && !ExternallyAccessible(spec) && Same(spec, oldSpec, "externalTrafficPolicy"))
        {
            spec.Remove("externalTrafficPolicy");
        }
        if (Type(spec) != "LoadBalancer" && Json.Obj(obj, "status") is { } status)
        {
            // The load balancer's address goes with the type (its release happens after, unseen).
            status["loadBalancer"] = new JsonObject();
        }
    }

    private static bool Same(JsonObject spec, JsonObject oldSpec, string field) => JsonNode.DeepEquals(spec[field], oldSpec[field]);
}
