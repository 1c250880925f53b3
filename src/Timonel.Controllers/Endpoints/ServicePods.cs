using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Endpoints;

/// <summary>
/// Maps pod changes to the services that select them, shared by the Endpoints and EndpointSlice
/// controllers: a pod event enqueues every service whose selector matched the pod before or after.
/// </summary>
internal static class ServicePods
{
    public const string HeadlessLabel = "service.kubernetes.io/headless";

    public static bool IsHeadless(V1Service service) => service.Spec?.ClusterIP == "None";

    /// <summary>Null when the service has no selector: its endpoints are somebody else's.</summary>
    public static LabelSelector? SelectorOf(V1Service service) =>
        service.Spec?.Selector is { Count: > 0 } selector
            ? LabelSelector.FromModel(new V1LabelSelector { MatchLabels = selector })
            : null;

    public static IReadOnlyList<V1Pod> PodsOf(V1Service service, ILister<V1Pod> pods) =>
        SelectorOf(service) is { } selector ? pods.List(service.Metadata.NamespaceProperty, selector) : [];

    public static IResourceEventHandler<V1Pod> EnqueueServicesOf(ILister<V1Service> services, Action<string> enqueue)
    {
        return new ResourceEventHandler<V1Pod>
        {
            Added = pod => Enqueue(pod, null),
            Updated = (old, pod) => Enqueue(pod, old),
            Deleted = (pod, _) => Enqueue(pod, null),
        };

        void Enqueue(V1Pod pod, V1Pod? old)
        {
            foreach (var service in services.List(pod.Metadata.NamespaceProperty))
            {
                if (SelectorOf(service) is { } selector &&
                    (selector.Matches(pod.Metadata.Labels) || (old is not null && selector.Matches(old.Metadata.Labels))))
                {
                    enqueue(pod.Metadata.NamespaceProperty + "/" + service.Metadata.Name);
                }
            }
        }
    }
}
