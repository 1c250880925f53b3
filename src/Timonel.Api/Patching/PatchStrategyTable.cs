// Strategic-merge facts for built-in kinds: the `patchStrategy` and `patchMergeKey` struct tags
// of upstream's Go types (k8s.io/api core/v1, apps/v1, batch/v1, networking/v1, policy/v1,
// autoscaling/v2; ObjectMeta from apimachinery), keyed by the KubernetesClient model that mirrors
// the Go struct and the JSON field name. A field not listed here has no tag: its lists are
// replaced whole and its maps merged, exactly as upstream treats an untagged field (args,
// command, tolerations, envFrom, rbac rules, ...). rbac/v1 and networking/v1 Ingress/NetworkPolicy
// carry no tags at all.
using k8s.Models;

namespace Timonel.Api.Patching;

internal static class PatchStrategyTable
{
    private static readonly Dictionary<(Type, string), PatchTag> Tags = Build();

    public static PatchTag? Find(Type model, string jsonField) =>
        Tags.TryGetValue((model, jsonField), out var tag) ? tag : null;

    private static Dictionary<(Type, string), PatchTag> Build()
    {
        var byKey = PatchTag.MergeByKey;
        var tags = new Dictionary<(Type, string), PatchTag>
        {
            [(typeof(V1ObjectMeta), "finalizers")] = PatchTag.MergeAsSet,
            [(typeof(V1ObjectMeta), "ownerReferences")] = byKey("uid"),

            [(typeof(V1PodSpec), "volumes")] = byKey("name") with { RetainKeys = true },
            [(typeof(V1PodSpec), "initContainers")] = byKey("name"),
            [(typeof(V1PodSpec), "containers")] = byKey("name"),
            [(typeof(V1PodSpec), "ephemeralContainers")] = byKey("name"),
            [(typeof(V1PodSpec), "imagePullSecrets")] = byKey("name"),
            [(typeof(V1PodSpec), "hostAliases")] = byKey("ip"),
            [(typeof(V1PodSpec), "topologySpreadConstraints")] = byKey("topologyKey"),
            [(typeof(V1PodSpec), "schedulingGates")] = byKey("name"),
            [(typeof(V1PodSpec), "resourceClaims")] = byKey("name") with { RetainKeys = true },
            [(typeof(V1PodStatus), "conditions")] = byKey("type"),
            [(typeof(V1PodStatus), "hostIPs")] = byKey("ip"),
            [(typeof(V1PodStatus), "podIPs")] = byKey("ip"),
            [(typeof(V1PodStatus), "resourceClaimStatuses")] = byKey("name") with { RetainKeys = true },
            [(typeof(V1ContainerStatus), "volumeMounts")] = byKey("mountPath"),
            [(typeof(V1ContainerStatus), "allocatedResourcesStatus")] = byKey("name"),

            [(typeof(V1NodeSpec), "podCIDRs")] = PatchTag.MergeAsSet,
            [(typeof(V1NodeStatus), "conditions")] = byKey("type"),
            [(typeof(V1NodeStatus), "addresses")] = byKey("type"),
            [(typeof(V1ServiceSpec), "ports")] = byKey("port"),
            [(typeof(V1ServiceStatus), "conditions")] = byKey("type"),
            [(typeof(V1ServiceAccount), "secrets")] = byKey("name"),
            [(typeof(V1NamespaceStatus), "conditions")] = byKey("type"),
            [(typeof(V1PersistentVolumeClaimStatus), "conditions")] = byKey("type"),
            [(typeof(V1ReplicationControllerStatus), "conditions")] = byKey("type"),
            [(typeof(V1ComponentStatus), "conditions")] = byKey("type"),

            [(typeof(V1DeploymentSpec), "strategy")] = PatchTag.RetainKeysOnly,
            [(typeof(V1DeploymentStatus), "conditions")] = byKey("type"),
            [(typeof(V1ReplicaSetStatus), "conditions")] = byKey("type"),
            [(typeof(V1StatefulSetStatus), "conditions")] = byKey("type"),
            [(typeof(V1DaemonSetStatus), "conditions")] = byKey("type"),

            [(typeof(V1JobStatus), "conditions")] = byKey("type"),
            [(typeof(V1ServiceCIDRStatus), "conditions")] = byKey("type"),
            [(typeof(V1PodDisruptionBudgetSpec), "selector")] = PatchTag.ReplaceMap,
            [(typeof(V1PodDisruptionBudgetStatus), "conditions")] = byKey("type"),
            [(typeof(V2HorizontalPodAutoscalerStatus), "conditions")] = byKey("type"),
        };
        // Container and EphemeralContainer share their list fields (EphemeralContainerCommon upstream).
        foreach (var container in new[] { typeof(V1Container), typeof(V1EphemeralContainer) })
        {
            tags[(container, "ports")] = byKey("containerPort");
            tags[(container, "env")] = byKey("name");
            tags[(container, "volumeMounts")] = byKey("mountPath");
            tags[(container, "volumeDevices")] = byKey("devicePath");
        }
        return tags;
    }
}

/// <summary>How a field merges: its list strategy, merge key, retainKeys, or whole replacement of a map.</summary>
internal sealed record PatchTag(ListMergeStrategy List, string? MergeKey, bool RetainKeys, bool ReplaceWhole)
{
    public static PatchTag MergeByKey(string key) => new(ListMergeStrategy.MergeByKey, key, false, false);

    public static readonly PatchTag MergeAsSet = new(ListMergeStrategy.MergeAsSet, null, false, false);

    public static readonly PatchTag RetainKeysOnly = new(ListMergeStrategy.Replace, null, true, false);

    public static readonly PatchTag ReplaceMap = new(ListMergeStrategy.Replace, null, false, true);
}
