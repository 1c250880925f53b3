using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>The newest instance of a container and the one before it (what <c>kubectl logs --previous</c> reads).</summary>
internal sealed record ContainerLocations(ContainerLocation? Current, ContainerLocation? Previous);

/// <summary>An immutable snapshot of where a pod's containers and logs are, swapped whole after each sync.</summary>
internal sealed record PodContainerLocations(string PodUid, IReadOnlyDictionary<string, ContainerLocations> ByContainer)
{
    public static PodContainerLocations From(V1Pod pod, PodRuntimeView view)
    {
        var names = view.All.Select(i => i.Name).Distinct(StringComparer.Ordinal);
        var byContainer = new Dictionary<string, ContainerLocations>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var instances = view.Of(name);
            byContainer[name] = new ContainerLocations(Where(instances.ElementAtOrDefault(0)), Where(instances.ElementAtOrDefault(1)));
        }
        return new PodContainerLocations(pod.Metadata.Uid, byContainer);
    }

    private static ContainerLocation? Where(ContainerInstance? instance) =>
        instance is null ? null : new ContainerLocation(instance.Id, instance.Status.LogPath);
}
