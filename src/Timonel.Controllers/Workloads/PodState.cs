using k8s.Models;

namespace Timonel.Controllers.Workloads;

/// <summary>The pod facts ReplicaSets count by, as upstream's pod utilities define them.</summary>
public static class PodState
{
    /// <summary>Counts toward replicas: not finished and not terminating.</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    public static V1PodCondition? ReadyCondition(V1Pod pod) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>Ready, and ready for at least minReadySeconds (measured from the Ready condition's transition).</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = ReadyCondition(pod);
        if (ready?.Status != "True")
        {
            return false;
        }
        if (minReadySeconds == 0)
        {
            return true;
        }
        return ready.LastTransitionTime is { } since
            && new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)).AddSeconds(minReadySeconds) < now;
    }

    public static string Key(V1Pod pod) => pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name;
}
