using k8s.Models;

namespace Timonel.Kubelet.Containers;

/// <summary>
/// The pod's QoS class as the kubelet computes it (from cpu and memory only, init containers
/// included): BestEffort without any request or limit; Guaranteed when every container limits both
/// cpu and memory and the summed requests equal the summed limits; Burstable otherwise. A class the
/// API server already wrote into status wins, since it never changes for a pod.
/// </summary>
public static class QosClass
{
    public const string Guaranteed = "Guaranteed";
    public const string Burstable = "Burstable";
    public const string BestEffort = "BestEffort";

    public static string Of(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Status?.QosClass))
        {
            return pod.Status.QosClass;
        }
        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var guaranteed = true;
        foreach (var container in (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []))
        {
            Sum(requests, RequestsDefaulted(container));
            var found = Sum(limits, container.Resources?.Limits);
            if (!found.Contains("cpu") || !found.Contains("memory"))
            {
                guaranteed = false;
            }
        }
        if (requests.Count == 0 && limits.Count == 0)
        {
            return BestEffort;
        }
        if (guaranteed && requests.Count == limits.Count
            && requests.All(r => limits.TryGetValue(r.Key, out var l) && l == r.Value))
        {
            return Guaranteed;
        }
        return Burstable;
    }

    /// <summary>
    /// Requests as the API server defaults them: a missing request is the limit. The kubelet sees
    /// only defaulted pods; a pod object built elsewhere gets the same class here.
    /// </summary>
    private static Dictionary<string, ResourceQuantity> RequestsDefaulted(V1Container container)
    {
        var requests = container.Resources?.Requests is { } r
            ? new Dictionary<string, ResourceQuantity>(r, StringComparer.Ordinal)
            : new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var (name, limit) in container.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>())
        {
            requests.TryAdd(name, limit);
        }
        return requests;
    }

    /// <summary>Adds the positive cpu and memory amounts; returns the names it found.</summary>
    private static HashSet<string> Sum(Dictionary<string, decimal> into, IDictionary<string, ResourceQuantity>? list)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, quantity) in list ?? new Dictionary<string, ResourceQuantity>())
        {
            if (name is not ("cpu" or "memory"))
            {
                continue;
            }
            var amount = quantity.ToDecimal();
            if (amount > 0)
            {
                found.Add(name);
                into[name] = into.GetValueOrDefault(name) + amount;
            }
        }
        return found;
    }
}
