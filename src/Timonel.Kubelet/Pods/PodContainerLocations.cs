using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>The newest instance of a container and the one before it (what <c>kubectl logs --previous</c> reads).</summary>
internal sealed record ContainerLocations(ContainerLocation? Current, ContainerLocation? Previous);

/// <summary>
/// An immutable snapshot of where a pod's containers and logs are, and the address it answers on,
/// swapped whole after each sync.
/// </summary>
internal sealed record PodContainerLocations(string PodUid, string? PodIp, IReadOnlyDictionary<string, ContainerLocations> ByContainer)
{
    public static PodContainerLocations From(V1Pod pod, PodRuntimeView view, string hostIp)
    {
        var names = view.All.Select(i => i.Name).Distinct(StringComparer.Ordinal);
        var byContainer = new Dictionary<string, ContainerLocations>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var instances = view.Of(name);
            byContainer[name] = new ContainerLocations(Where(instances.ElementAtOrDefault(0)), Where(instances.ElementAtOrDefault(1)));
        }
        var podIp = pod.Spec?.HostNetwork == true ? hostIp : view.PodIp;
        return new PodContainerLocations(pod.Metadata.Uid, podIp, byContainer);
    }

    private static ContainerLocation? Where(ContainerInstance? instance) =>
        instance is null ? null : new ContainerLocation(instance.Id, instance.Status.LogPath);
}
