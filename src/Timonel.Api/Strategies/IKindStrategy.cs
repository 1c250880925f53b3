using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// What is particular to one kind on create and update: upstream's defaults and validation.
/// Both work on the object's JSON, which the caller owns (no shared or cached instance).
/// </summary>
public interface IKindStrategy
{
    /// <summary>Fills in the fields upstream defaults (e.g. Deployment strategy 25%/25%).</summary>
    void Default(JsonObject obj);

    /// <summary>
    /// Before an update is defaulted: carries over or drops what depends on the stored object
    /// (<paramref name="old"/>), as upstream's PrepareForUpdate. Most kinds have nothing to do.
    /// </summary>
    void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
    }

    /// <summary>What is wrong with the object, each with its field path; empty when valid.</summary>
    IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old);
}

/// <summary>The strategies of the kinds that have one; other kinds get only generic metadata checks.</summary>
public static class KindStrategies
{
    private static readonly Dictionary<(string Group, string Kind), IKindStrategy> Registered = new()
    {
        [("", "Namespace")] = new NamespaceStrategy(),
        [("", "Pod")] = new PodStrategy(),
        [("", "ReplicationController")] = new ReplicaSetStrategy("replicationcontroller", selectorRequired: false),
        [("", "Service")] = new ServiceStrategy(),
        [("", "ConfigMap")] = new ConfigMapStrategy(),
        [("", "Secret")] = new SecretStrategy(),
        [("", "Event")] = new EventStrategy(),
        [("", "Node")] = new NodeStrategy(),
        [("", "PersistentVolumeClaim")] = new PersistentVolumeClaimStrategy(),
        [("", "LimitRange")] = new LimitRangeStrategy(),
        [("apps", "Deployment")] = new DeploymentStrategy(),
        [("apps", "ReplicaSet")] = new ReplicaSetStrategy("deployment", selectorRequired: true),
        [("apps", "DaemonSet")] = new DaemonSetStrategy(),
        [("apps", "StatefulSet")] = new StatefulSetStrategy(),
        [("batch", "Job")] = new JobStrategy(),
        [("batch", "CronJob")] = new CronJobStrategy(),
        [("networking.k8s.io", "Ingress")] = new IngressStrategy(),
        [("networking.k8s.io", "IngressClass")] = new IngressClassStrategy(),
        [("coordination.k8s.io", "Lease")] = new LeaseStrategy(),
        [("scheduling.k8s.io", "PriorityClass")] = new PriorityClassStrategy(),
        [("policy", "PodDisruptionBudget")] = new PodDisruptionBudgetStrategy(),
        [("discovery.k8s.io", "EndpointSlice")] = new EndpointSliceStrategy(),
        [("rbac.authorization.k8s.io", "Role")] = new RoleStrategy(),
        [("rbac.authorization.k8s.io", "ClusterRole")] = new RoleStrategy(),
        [("rbac.authorization.k8s.io", "RoleBinding")] = new RoleBindingStrategy(clusterScoped: false),
        [("rbac.authorization.k8s.io", "ClusterRoleBinding")] = new RoleBindingStrategy(clusterScoped: true),
    };

    public static IKindStrategy? For(string group, string kind) => Registered.GetValueOrDefault((group, kind));

    public static void Register(string group, string kind, IKindStrategy strategy) => Registered[(group, kind)] = strategy;
}
