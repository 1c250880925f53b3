using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The pod's QoS class by the API's rules: Guaranteed when every container (init ones included)
/// has cpu and memory limits and its requests equal them (a missing request defaults to the
/// limit); BestEffort when no container has any cpu or memory request or limit; else Burstable.
/// </summary>
internal static class QosClasses
{
    private static readonly string[] Tracked = ["cpu", "memory"];

    public static string Of(V1Pod pod)
    {
        var all = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers).ToList();
        var any = false;
        var guaranteed = true;
        foreach (var c in all)
        {
            var requests = c.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>();
            var limits = c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>();
            foreach (var name in Tracked)
            {
                var hasRequest = requests.TryGetValue(name, out var request) && !IsZero(request);
                var hasLimit = limits.TryGetValue(name, out var limit) && !IsZero(limit);
                any |= hasRequest || hasLimit;
                if (!hasLimit || (hasRequest && request!.ToDecimal() != limit!.ToDecimal()))
                {
                    guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private static bool IsZero(ResourceQuantity q) => q.ToDecimal() == 0;
}
