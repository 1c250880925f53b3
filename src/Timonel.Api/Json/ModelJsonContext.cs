using System.Text.Json.Serialization;
using k8s.Models;

namespace Timonel.Api.Json;

/// <summary>
/// Source-generated JSON metadata for the built-in kinds Timonel reads and writes as models, and
/// the types reachable from them. KubernetesClient's own context covers every model it ships;
/// resolving any type through it loads all of them, which costs the server and the agent megabytes
/// of runtime type data. <see cref="ModelJson.Install"/> puts this smaller context first.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(Eventsv1Event))]
[JsonSerializable(typeof(V1ClusterRole))]
[JsonSerializable(typeof(V1ClusterRoleBinding))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1ControllerRevision))]
[JsonSerializable(typeof(V1CronJob))]
[JsonSerializable(typeof(V1DaemonSet))]
[JsonSerializable(typeof(V1Deployment))]
[JsonSerializable(typeof(V1EndpointSlice))]
[JsonSerializable(typeof(V1Endpoints))]
[JsonSerializable(typeof(V1Ingress))]
[JsonSerializable(typeof(V1IngressClass))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1LimitRange))]
[JsonSerializable(typeof(V1Namespace))]
[JsonSerializable(typeof(V1Node))]
[JsonSerializable(typeof(V1PersistentVolumeClaim))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1PodDisruptionBudget))]
[JsonSerializable(typeof(V1PriorityClass))]
[JsonSerializable(typeof(V1ReplicaSet))]
[JsonSerializable(typeof(V1ResourceQuota))]
[JsonSerializable(typeof(V1Role))]
[JsonSerializable(typeof(V1RoleBinding))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1ServiceAccount))]
[JsonSerializable(typeof(V1StatefulSet))]
[JsonSerializable(typeof(V2HorizontalPodAutoscaler))]
[JsonSerializable(typeof(V1Status))]
[JsonSerializable(typeof(V1Scale))]
[JsonSerializable(typeof(V1Binding))]
[JsonSerializable(typeof(V1Eviction))]
[JsonSerializable(typeof(V1LabelSelector))]
[JsonSerializable(typeof(List<V1OwnerReference>))]
[JsonSerializable(typeof(List<V1EndpointSubset>))]
internal sealed partial class ModelJsonContext : JsonSerializerContext;
