using k8s;
using k8s.Models;

namespace Timonel.Controllers.Endpoints;

/// <summary>What controllers read from a pod's status and spec; pods are read-only here.</summary>
internal static class PodFacts
{
    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>Ready for at least minReadySeconds (measured from the Ready condition's transition).</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status == "True");
        if (ready is null)
        {
            return false;
        }
        if (minReadySeconds <= 0)
        {
            return true;
        }
        return ready.LastTransitionTime is { } since && since.AddSeconds(minReadySeconds) <= now.UtcDateTime;
    }

    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;

    public static bool IsFinished(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>
    /// Whether a pod belongs in a service's endpoints at all (ready or not): it has an IP, it is
    /// not terminating unless terminating pods are wanted, and its restart policy still lets it run.
    /// </summary>
    public static bool ShouldBeInEndpoints(V1Pod pod, bool includeTerminating)
    {
        if (string.IsNullOrEmpty(pod.Status?.PodIP) && (pod.Status?.PodIPs is null || pod.Status.PodIPs.Count == 0))
        {
            return false;
        }
        if (!includeTerminating && IsTerminating(pod))
        {
            return false;
        }
        return pod.Spec.RestartPolicy switch
        {
            "Never" => !IsFinished(pod),
            "OnFailure" => pod.Status?.Phase != "Succeeded",
            _ => true,
        };
    }

    /// <summary>
    /// The container port a service port reaches on this pod: a number as given, a name looked up
    /// among the pod's container ports with the same protocol; null when the pod lacks that name.
    /// </summary>
    public static int? FindPort(V1Pod pod, V1ServicePort servicePort)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return servicePort.Port;
        }
        if (int.TryParse(target, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        var protocol = servicePort.Protocol ?? "TCP";
        foreach (var container in pod.Spec.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.Name == target && (port.Protocol ?? "TCP") == protocol)
                {
                    return port.ContainerPort;
                }
            }
        }
        return null;
    }

    public static V1ObjectReference TargetRef(V1Pod pod) => new()
    {
        Kind = "Pod",
        NamespaceProperty = pod.Metadata.NamespaceProperty,
        Name = pod.Metadata.Name,
        Uid = pod.Metadata.Uid,
    };
}
