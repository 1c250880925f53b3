using k8s;

namespace Timonel.Controllers.Workloads;

/// <summary>Informer objects are shared and read-only (STYLE 2): every change starts from a copy.</summary>
public static class ObjectCopy
{
    public static T Clone<T>(T obj) where T : class =>
        KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));
}
