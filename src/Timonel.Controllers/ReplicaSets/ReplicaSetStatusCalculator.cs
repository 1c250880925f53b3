using k8s.Models;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.ReplicaSets;

/// <summary>
/// A ReplicaSet's status from the pods it controls: replicas (active pods), fullyLabeledReplicas
/// (pods carrying every template label), readyReplicas, availableReplicas (ready for
/// minReadySeconds), observedGeneration, and a ReplicaFailure condition while creating or
/// deleting pods fails.
/// </summary>
public static class ReplicaSetStatusCalculator
{
    public static V1ReplicaSetStatus Calculate(V1ReplicaSet rs, IReadOnlyList<V1Pod> pods, string? manageError, DateTimeOffset now)
    {
        var counts = new ReplicaSetPodCounts(rs);
        for (var i = 0; i < pods.Count; i++)
        {
            counts.Add(pods[i]);
        }
        return Calculate(rs, counts, manageError, now);
    }

    public static V1ReplicaSetStatus Calculate(V1ReplicaSet rs, ReplicaSetPodCounts counts, string? manageError, DateTimeOffset now)
    {
        var status = new V1ReplicaSetStatus
        {
            Replicas = counts.Replicas,
            FullyLabeledReplicas = counts.FullyLabeled,
            ReadyReplicas = counts.Ready,
            AvailableReplicas = counts.Available(now),
            ObservedGeneration = rs.Metadata.Generation,
            Conditions = rs.Status?.Conditions?.Where(c => c.Type != "ReplicaFailure").ToList(),
        };
        if (manageError is not null)
        {
            var existing = rs.Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure");
            var reason = manageError.StartsWith("deleting", StringComparison.Ordinal) ? "FailedDelete" : "FailedCreate";
            (status.Conditions ??= []).Add(new V1ReplicaSetCondition
            {
                Type = "ReplicaFailure",
                Status = "True",
                Reason = reason,
                Message = manageError,
                LastTransitionTime = existing?.Status == "True" ? existing.LastTransitionTime : now.UtcDateTime,
            });
        }
        if (status.Conditions is { Count: 0 })
        {
            status.Conditions = null;
        }
        return status;
    }

    public static bool SameStatus(V1ReplicaSetStatus? a, V1ReplicaSetStatus b) =>
        a is not null
        && a.Replicas == b.Replicas && (a.FullyLabeledReplicas ?? 0) == (b.FullyLabeledReplicas ?? 0)
        && (a.ReadyReplicas ?? 0) == (b.ReadyReplicas ?? 0) && (a.AvailableReplicas ?? 0) == (b.AvailableReplicas ?? 0)
        && a.ObservedGeneration == b.ObservedGeneration
        && (a.Conditions?.Count ?? 0) == (b.Conditions?.Count ?? 0)
        && (a.Conditions ?? []).Zip(b.Conditions ?? []).All(p => p.First.Reason == p.Second.Reason && p.First.Message == p.Second.Message);
}
