using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>Builds and creates the owners and dependents the garbage collector tests use.</summary>
public static class Objects
{
    public static V1OwnerReference RefTo<T>(T owner, bool block = false, bool controller = false)
        where T : IKubernetesObject<V1ObjectMeta> => new()
        {
            ApiVersion = ResourceTable.For(typeof(T)).ApiVersion,
            Kind = ResourceTable.For(typeof(T)).Kind,
            Name = owner.Metadata.Name,
            Uid = owner.Metadata.Uid,
            BlockOwnerDeletion = block ? true : null,
            Controller = controller ? true : null,
        };

    public static async Task<V1ConfigMap> ConfigMapAsync(ApiConnection api, string ns, string name, params V1OwnerReference[] owners) =>
        (await api.CreateAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, OwnerReferences = owners.Length == 0 ? null : owners },
            Data = new Dictionary<string, string> { ["k"] = "v" },
        })).Require();

    public static async Task<V1Pod> PodAsync(ApiConnection api, string ns, string name, IList<string>? finalizers, params V1OwnerReference[] owners) =>
        (await api.CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { ["app"] = "web" },
                OwnerReferences = owners.Length == 0 ? null : owners,
                Finalizers = finalizers,
            },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        })).Require();

    public static async Task<V1ReplicaSet> ReplicaSetAsync(ApiConnection api, string ns, string name, params V1OwnerReference[] owners) =>
        (await api.CreateAsync(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, OwnerReferences = owners.Length == 0 ? null : owners },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = Template(),
            },
        })).Require();

    public static async Task<V1Deployment> DeploymentAsync(ApiConnection api, string ns, string name) =>
        (await api.CreateAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = Template(),
            },
        })).Require();

    /// <summary>Removes every finalizer (what the controller owning a finalizer does when done).</summary>
    public static async Task ClearFinalizersAsync<T>(ApiConnection api, string ns, string name) where T : class, IKubernetesObject<V1ObjectMeta> =>
        (await api.PatchAsync<T>(ns, name, PatchType.Merge, """{"metadata":{"finalizers":null}}""")).EnsureOk();

    private static V1PodTemplateSpec Template() => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };
}
