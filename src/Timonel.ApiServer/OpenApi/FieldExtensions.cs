using System.Text.Json.Nodes;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// The x-kubernetes-* markers of the fields whose merge behaviour matters to clients: kubectl's
/// client-side apply and edit read patch strategy and merge key from the OpenAPI v3 document, so a
/// list missing here would be replaced whole instead of merged item by item. Keyed by the C# model
/// name and JSON field name; values are upstream's markers (facts from the Go API types).
/// </summary>
public static class FieldExtensions
{
    private sealed record Marker(string? Strategy = null, string? MergeKey = null, string? ListType = null, string[]? MapKeys = null);

    private static Marker MergeMap(params string[] keys) => new("merge", keys[0], "map", keys);

    private static readonly Dictionary<(string Type, string Field), Marker> Markers = new()
    {
        [("V1ObjectMeta", "ownerReferences")] = MergeMap("uid"),
        [("V1ObjectMeta", "finalizers")] = new("merge", ListType: "set"),
        [("V1ObjectMeta", "managedFields")] = new(ListType: "atomic"),
        [("V1PodSpec", "containers")] = MergeMap("name"),
        [("V1PodSpec", "initContainers")] = MergeMap("name"),
        [("V1PodSpec", "ephemeralContainers")] = MergeMap("name"),
        [("V1PodSpec", "volumes")] = new("merge,retainKeys", "name", "map", ["name"]),
        [("V1PodSpec", "imagePullSecrets")] = MergeMap("name"),
        [("V1PodSpec", "hostAliases")] = MergeMap("ip"),
        [("V1PodSpec", "tolerations")] = new(ListType: "atomic"),
        [("V1PodSpec", "topologySpreadConstraints")] = new("merge", "topologyKey", "map", ["topologyKey", "whenUnsatisfiable"]),
        [("V1PodSpec", "resourceClaims")] = new("merge,retainKeys", "name", "map", ["name"]),
        [("V1PodSpec", "schedulingGates")] = MergeMap("name"),
        [("V1Container", "ports")] = new("merge", "containerPort", "map", ["containerPort", "protocol"]),
        [("V1Container", "env")] = MergeMap("name"),
        [("V1Container", "envFrom")] = new(ListType: "atomic"),
        [("V1Container", "volumeMounts")] = MergeMap("mountPath"),
        [("V1Container", "volumeDevices")] = MergeMap("devicePath"),
        [("V1Container", "resizePolicy")] = new(ListType: "atomic"),
        [("V1EphemeralContainer", "env")] = MergeMap("name"),
        [("V1EphemeralContainer", "volumeMounts")] = MergeMap("mountPath"),
        [("V1EphemeralContainer", "volumeDevices")] = MergeMap("devicePath"),
        [("V1ServiceSpec", "ports")] = new("merge", "port", "map", ["port", "protocol"]),
        [("V1ServiceSpec", "clusterIPs")] = new(ListType: "atomic"),
        [("V1DeploymentSpec", "strategy")] = new("retainKeys"),
        [("V1DeploymentStatus", "conditions")] = MergeMap("type"),
        [("V1ReplicaSetStatus", "conditions")] = MergeMap("type"),
        [("V1DaemonSetStatus", "conditions")] = MergeMap("type"),
        [("V1StatefulSetStatus", "conditions")] = MergeMap("type"),
        [("V1ReplicationControllerStatus", "conditions")] = MergeMap("type"),
        [("V1JobStatus", "conditions")] = new("merge", "type", "atomic"),
        [("V1PodStatus", "conditions")] = MergeMap("type"),
        [("V1PodStatus", "podIPs")] = MergeMap("ip"),
        [("V1NodeStatus", "conditions")] = MergeMap("type"),
        [("V1NodeStatus", "addresses")] = MergeMap("type"),
        [("V1NamespaceStatus", "conditions")] = MergeMap("type"),
        [("V1PersistentVolumeClaimStatus", "conditions")] = MergeMap("type"),
        [("V1ServiceStatus", "conditions")] = new(ListType: "map", MapKeys: ["type"]),
        [("V1PodDisruptionBudgetStatus", "conditions")] = MergeMap("type"),
        [("V1LabelSelector", "matchExpressions")] = new(ListType: "atomic"),
    };

    /// <summary>Adds the markers of a field, if any, to its schema.</summary>
    public static void Apply(Type model, string jsonField, JsonObject schema)
    {
        if (!Markers.TryGetValue((model.Name, jsonField), out var m))
        {
            return;
        }
        if (m.ListType is not null) schema["x-kubernetes-list-type"] = m.ListType;
        if (m.MapKeys is not null) schema["x-kubernetes-list-map-keys"] = new JsonArray([.. m.MapKeys.Select(k => JsonValue.Create(k))]);
        if (m.MergeKey is not null) schema["x-kubernetes-patch-merge-key"] = m.MergeKey;
        if (m.Strategy is not null) schema["x-kubernetes-patch-strategy"] = m.Strategy;
    }
}
