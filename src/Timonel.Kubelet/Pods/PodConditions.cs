using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The conditions the kubelet owns (PodReadyToStartContainers, Initialized, Ready, ContainersReady),
/// plus PodScheduled as the scheduler left it and any condition of another owner untouched.
/// lastTransitionTime changes only when a condition's status does.
/// </summary>
internal static class PodConditions
{
    private static readonly HashSet<string> Owned = new(StringComparer.Ordinal)
    {
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled",
    };

    public static List<V1PodCondition> Build(V1Pod pod, V1PodStatus old, string phase, bool sandboxReady, bool initDone,
        IReadOnlyList<V1ContainerStatus> init, IReadOnlyList<V1ContainerStatus> containers, DateTime now)
    {
        var existing = old.Conditions ?? [];
        var terminal = phase is "Succeeded" or "Failed";
        // Sidecars count for readiness as the containers do; they are complete once started.
        var sidecars = init.Where(c => Sidecars.Is(pod, c.Name)).ToList();
        var unready = sidecars.Concat(containers).Where(c => !c.Ready).Select(c => c.Name).ToList();
        var incomplete = init.Where(c => sidecars.Contains(c) ? c.Started != true : c.State?.Terminated?.ExitCode != 0).Select(c => c.Name).ToList();
        var ready = !terminal && unready.Count == 0;
        var (notReadyReason, notReadyMessage) = terminal
            ? ("PodCompleted", (string?)null)
            : ("ContainersNotReady", $"containers with unready status: [{string.Join(' ', unready)}]");
        var conditions = new List<V1PodCondition>
        {
            Condition(existing, "PodReadyToStartContainers", sandboxReady && !terminal, null, null, now),
            Condition(existing, "Initialized", initDone, initDone ? null : "ContainersNotInitialized",
                initDone ? null : $"containers with incomplete status: [{string.Join(' ', incomplete)}]", now),
            Condition(existing, "Ready", ready, ready ? null : notReadyReason, ready ? null : notReadyMessage, now),
            Condition(existing, "ContainersReady", ready, ready ? null : notReadyReason, ready ? null : notReadyMessage, now),
            existing.FirstOrDefault(c => c.Type == "PodScheduled") ?? new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = now },
        };
        conditions.AddRange(existing.Where(c => !Owned.Contains(c.Type)));
        return conditions;
    }

    private static V1PodCondition Condition(IList<V1PodCondition> existing, string type, bool status, string? reason, string? message, DateTime now)
    {
        var text = status ? "True" : "False";
        var before = existing.FirstOrDefault(c => c.Type == type);
        return new V1PodCondition
        {
            Type = type,
            Status = text,
            Reason = reason,
            Message = message,
            LastTransitionTime = before is not null && before.Status == text ? before.LastTransitionTime : now,
            LastProbeTime = null,
        };
    }
}
