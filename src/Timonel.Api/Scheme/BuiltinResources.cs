using k8s.Models;

namespace Timonel.Api.Scheme;

/// <summary>The built-in resources Timonel serves, with upstream's short names and categories.</summary>
public static class BuiltinResources
{
    private static readonly string[] All_ = ["all"];

    public static IReadOnlyList<ResourceInfo> All { get; } =
    [
        Core("Namespace", "namespaces", typeof(V1Namespace), false, ["ns"], sub: ["status", "finalize"]),
        Core("Pod", "pods", typeof(V1Pod), true, ["po"], All_, ["status", "binding", "log", "exec", "eviction", "portforward", "attach", "proxy"]),
        Core("Service", "services", typeof(V1Service), true, ["svc"], All_, ["status", "proxy"]),
        Core("Endpoints", "endpoints", typeof(V1Endpoints), true, ["ep"]),
        Core("ConfigMap", "configmaps", typeof(V1ConfigMap), true, ["cm"]),
        Core("Secret", "secrets", typeof(V1Secret), true),
        Core("ServiceAccount", "serviceaccounts", typeof(V1ServiceAccount), true, ["sa"], sub: ["token"]),
        Core("Node", "nodes", typeof(V1Node), false, ["no"], sub: ["status", "proxy"]),
        Core("Event", "events", typeof(Corev1Event), true, ["ev"]),
        Core("LimitRange", "limitranges", typeof(V1LimitRange), true, ["limits"]),
        Core("ResourceQuota", "resourcequotas", typeof(V1ResourceQuota), true, ["quota"], sub: ["status"]),
        Core("PersistentVolumeClaim", "persistentvolumeclaims", typeof(V1PersistentVolumeClaim), true, ["pvc"], sub: ["status"]),
        Core("PersistentVolume", "persistentvolumes", typeof(V1PersistentVolume), false, ["pv"], sub: ["status"]),
        Core("ReplicationController", "replicationcontrollers", typeof(V1ReplicationController), true, ["rc"], All_, ["status", "scale"]),
        Of("events.k8s.io", "v1", "Event", "events", typeof(Eventsv1Event), true, ["ev"]),
        Of("apps", "v1", "Deployment", "deployments", typeof(V1Deployment), true, ["deploy"], All_, ["status", "scale"]),
        Of("apps", "v1", "ReplicaSet", "replicasets", typeof(V1ReplicaSet), true, ["rs"], All_, ["status", "scale"]),
        Of("apps", "v1", "DaemonSet", "daemonsets", typeof(V1DaemonSet), true, ["ds"], All_, ["status"]),
        Of("apps", "v1", "StatefulSet", "statefulsets", typeof(V1StatefulSet), true, ["sts"], All_, ["status", "scale"]),
        Of("apps", "v1", "ControllerRevision", "controllerrevisions", typeof(V1ControllerRevision), true),
        Of("batch", "v1", "Job", "jobs", typeof(V1Job), true, [], All_, ["status"]),
        Of("batch", "v1", "CronJob", "cronjobs", typeof(V1CronJob), true, ["cj"], All_, ["status"]),
        Of("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", typeof(V1EndpointSlice), true),
        Of("networking.k8s.io", "v1", "Ingress", "ingresses", typeof(V1Ingress), true, ["ing"], sub: ["status"]),
        Of("networking.k8s.io", "v1", "IngressClass", "ingressclasses", typeof(V1IngressClass), false),
        Of("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", typeof(V1NetworkPolicy), true, ["netpol"]),
        Of("coordination.k8s.io", "v1", "Lease", "leases", typeof(V1Lease), true),
        Of("rbac.authorization.k8s.io", "v1", "Role", "roles", typeof(V1Role), true),
        Of("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", typeof(V1RoleBinding), true),
        Of("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", typeof(V1ClusterRole), false),
        Of("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", typeof(V1ClusterRoleBinding), false),
        Of("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", typeof(V1PodDisruptionBudget), true, ["pdb"], sub: ["status"]),
        Of("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", typeof(V2HorizontalPodAutoscaler), true, ["hpa"], All_, ["status"]),
        Of("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", typeof(V1PriorityClass), false, ["pc"]),
        Of("storage.k8s.io", "v1", "StorageClass", "storageclasses", typeof(V1StorageClass), false, ["sc"]),
        Review("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", typeof(V1SelfSubjectAccessReview)),
        Review("authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", typeof(V1SelfSubjectRulesReview)),
        Review("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", typeof(V1SelfSubjectReview)),
    ];

    private static ResourceInfo Review(string group, string kind, string plural, Type type) =>
        Of(group, "v1", kind, plural, type, false) with { Verbs = ["create"] };

    private static ResourceInfo Core(string kind, string plural, Type type, bool namespaced,
        string[]? shortNames = null, string[]? categories = null, string[]? sub = null) =>
        Of("", "v1", kind, plural, type, namespaced, shortNames, categories, sub);

    private static ResourceInfo Of(string group, string version, string kind, string plural, Type type, bool namespaced,
        string[]? shortNames = null, string[]? categories = null, string[]? sub = null) => new()
        {
            Group = group,
            Version = version,
            Kind = kind,
            Plural = plural,
            ModelType = type,
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            Subresources = sub ?? [],
        };
}
