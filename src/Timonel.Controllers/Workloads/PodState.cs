using k8s.Models;

namespace Timonel.Controllers.Workloads;

/// <summary>The pod facts ReplicaSets count by, as upstream's pod utilities define them.</summary>
public static class PodState
{
    /// <summary>Counts toward replicas: not finished and not terminating.</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    /// <summary>Read for every pod on every ReplicaSet sync: a plain loop over the list, no enumerator.</summary>
    public static V1PodCondition? ReadyCondition(V1Pod pod)
    {
        var conditions = pod.Status?.Conditions;
        if (conditions is null)
        {
            return null;
        }
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i].Type == "Ready")
            {
                return conditions[i];
            }
        }
        return null;
    }

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>Ready, and ready for at least minReadySeconds (measured from the Ready condition's transition).</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = ReadyCondition(pod);
        return ready?.Status == "True" && ReadyLongEnough(ready.LastTransitionTime, minReadySeconds, now);
    }

    /// <summary>For a ready pod: whether it became ready (at <paramref name="since"/>) at least minReadySeconds before now.</summary>
    public static bool ReadyLongEnough(DateTime? since, int minReadySeconds, DateTimeOffset now) =>
        minReadySeconds == 0
        || (since is { } s && new DateTimeOffset(DateTime.SpecifyKind(s, DateTimeKind.Utc)).AddSeconds(minReadySeconds) < now);

    public static string Key(V1Pod pod) => pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name;
}
