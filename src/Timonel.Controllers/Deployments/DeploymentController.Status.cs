using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Deployments;

public sealed partial class DeploymentController
{
    private V1DeploymentStatus CalculateStatus(V1Deployment d, List<V1ReplicaSet> all, V1ReplicaSet? newRs)
    {
        var available = all.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = all.Sum(rs => rs.Status?.Replicas ?? 0),
            UpdatedReplicas = newRs?.Status?.Replicas ?? 0,
            ReadyReplicas = all.Sum(rs => rs.Status?.ReadyReplicas ?? 0),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, all.Sum(DeploymentMath.Replicas) - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions?.Select(ObjectCopy.Clone).ToList(),
        };
        var desired = d.Spec.Replicas ?? 1;
        var probe = new V1Deployment { Metadata = d.Metadata, Spec = d.Spec, Status = status };
        if (available >= desired - DeploymentMath.MaxUnavailable(d))
        {
            SetCondition(probe, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
        }
        else
        {
            SetCondition(probe, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
        }
        return status;
    }

    private static bool IsComplete(V1Deployment d, V1DeploymentStatus s)
    {
        var desired = d.Spec.Replicas ?? 1;
        return s.UpdatedReplicas == desired && s.Replicas == desired && s.AvailableReplicas == desired
            && s.ObservedGeneration >= d.Metadata.Generation;
    }

    /// <summary>More updated, ready or available pods, or fewer old ones, than the last status said.</summary>
    private static bool IsProgressing(V1Deployment d, V1DeploymentStatus s)
    {
        var old = d.Status ?? new V1DeploymentStatus();
        return (s.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0)
            || (s.Replicas ?? 0) - (s.UpdatedReplicas ?? 0) < (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0)
            || (s.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0)
            || (s.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    /// <summary>Status plus the Progressing condition, which only a rollout (not a paused or scaling sync) moves.</summary>
    private async Task<SyncResult> SyncRolloutStatusAsync(V1Deployment d, List<V1ReplicaSet> all, V1ReplicaSet? newRs, CancellationToken ct)
    {
        var status = CalculateStatus(d, all, newRs);
        var probe = new V1Deployment { Metadata = d.Metadata, Spec = d.Spec, Status = status };
        var now = Time.GetUtcNow().UtcDateTime;
        if (!HasProgressDeadline(d))
        {
            RemoveCondition(status, "Progressing");
        }
        var current = Condition(d, "Progressing");
        var completeBefore = status.Replicas == status.UpdatedReplicas && current?.Reason == "NewReplicaSetAvailable";
        TimeSpan? recheck = null;
        if (HasProgressDeadline(d) && !completeBefore && newRs is not null)
        {
            var name = Quote(newRs.Metadata.Name);
            if (IsComplete(d, status))
            {
                SetCondition(probe, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet {name} has successfully progressed.");
            }
            else if (IsProgressing(d, status))
            {
                // Progress refreshes lastUpdateTime (the deadline's start), not lastTransitionTime.
                var transition = current?.Status == "True" ? current.LastTransitionTime : now;
                RemoveCondition(status, "Progressing");
                (status.Conditions ??= []).Add(new V1DeploymentCondition
                {
                    Type = "Progressing", Status = "True", Reason = "ReplicaSetUpdated",
                    Message = $"ReplicaSet {name} is progressing.", LastUpdateTime = now, LastTransitionTime = transition,
                });
            }
            else if (current is { Reason: not "ProgressDeadlineExceeded" } && current.LastUpdateTime is { } since)
            {
                var due = DateTime.SpecifyKind(since, DateTimeKind.Utc).AddSeconds(d.Spec.ProgressDeadlineSeconds!.Value);
                if (due < now)
                {
                    SetCondition(probe, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet {name} has timed out progressing.");
                }
                else
                {
                    recheck = due - now + TimeSpan.FromSeconds(1);
                }
            }
        }
        d.Status = status;
        var error = await WriteStatusAsync(d, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return SyncResult.Failed(error);
        }
        return recheck is { } after ? SyncResult.After(after) : SyncResult.Done;
    }

    private Task<string?> SyncDeploymentStatusAsync(V1Deployment d, CancellationToken ct)
    {
        // Re-read the sets this sync may have resized: their statuses are the cache's.
        var claimed = _replicaSets.Lister.List(d.Metadata.NamespaceProperty)
            .Where(rs => OwnerRefs.ControllerOf(rs.Metadata)?.Uid == d.Metadata.Uid).ToList();
        var (newRs, _) = Split(d, claimed);
        d.Status = CalculateStatus(d, claimed, newRs);
        return WriteStatusAsync(d, ct);
    }

    private async Task<SyncResult> SyncStatusOnlyAsync(V1Deployment d, List<V1ReplicaSet> sets, CancellationToken ct)
    {
        var (newRs, _) = Split(d, sets);
        d.Status = CalculateStatus(d, sets, newRs);
        return ToResult(await WriteStatusAsync(d, ct).ConfigureAwait(false));
    }

    /// <summary>Progressing=Unknown DeploymentPaused / DeploymentResumed as spec.paused flips.</summary>
    private async Task<string?> CheckPausedConditionsAsync(V1Deployment d, CancellationToken ct)
    {
        if (!HasProgressDeadline(d))
        {
            return null;
        }
        var current = Condition(d, "Progressing");
        if (current?.Reason == "ProgressDeadlineExceeded")
        {
            return null;
        }
        var pausedShown = current?.Reason == "DeploymentPaused";
        if (d.Spec.Paused == true && !pausedShown)
        {
            SetCondition(d, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
        }
        else if (d.Spec.Paused != true && pausedShown)
        {
            SetCondition(d, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed");
        }
        else
        {
            return null;
        }
        return await WriteStatusAsync(d, ct).ConfigureAwait(false);
    }

    /// <summary>Deletes the oldest unused ReplicaSets beyond revisionHistoryLimit (never one that still has pods).</summary>
    private async Task<string?> CleanupAsync(V1Deployment d, List<V1ReplicaSet> old, CancellationToken ct)
    {
        if (d.Spec.RevisionHistoryLimit is not { } limit)
        {
            return null;
        }
        var cleanable = old.Where(rs => rs.Metadata.DeletionTimestamp is null).ToList();
        var excess = cleanable.Count - limit;
        if (excess <= 0)
        {
            return null;
        }
        foreach (var rs in cleanable.OrderBy(rs => Revisions.Of(rs.Metadata)).ThenBy(rs => rs.Metadata.CreationTimestamp).Take(excess))
        {
            if ((rs.Status?.Replicas ?? 0) != 0 || DeploymentMath.Replicas(rs) != 0
                || rs.Metadata.Generation > (rs.Status?.ObservedGeneration ?? 0))
            {
                continue;
            }
            WorkloadsLog.Pruning(Logger, d.Metadata.NamespaceProperty + "/" + d.Metadata.Name, rs.Metadata.Name);
            var deleted = await _api.DeleteAsync<V1ReplicaSet>(rs.Metadata.NamespaceProperty, rs.Metadata.Name,
                preconditionUid: rs.Metadata.Uid, ct: ct).ConfigureAwait(false);
            if (!deleted.Ok && !deleted.IsNotFound)
            {
                return $"deleting old replica set {rs.Metadata.Name}: {deleted}";
            }
        }
        return null;
    }

    private static void RemoveCondition(V1DeploymentStatus status, string type)
    {
        if (status.Conditions is { } list)
        {
            status.Conditions = list.Where(c => c.Type != type).ToList();
        }
    }

    // KubernetesJson cannot serialize a bare null.
    private static bool SameJson(V1DeploymentStatus? a, V1DeploymentStatus? b) =>
        a is null || b is null ? a is null && b is null : k8s.KubernetesJson.Serialize(a) == k8s.KubernetesJson.Serialize(b);

    private static bool HasProgressDeadline(V1Deployment d) => d.Spec.ProgressDeadlineSeconds is { } s && s != int.MaxValue;

    private static V1DeploymentCondition? Condition(V1Deployment d, string type) =>
        d.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Upstream's rule: the same status and reason is no change; the same status keeps its transition time.</summary>
    private void SetCondition(V1Deployment d, string type, string status, string reason, string message)
    {
        d.Status ??= new V1DeploymentStatus();
        var existing = d.Status.Conditions?.FirstOrDefault(c => c.Type == type);
        if (existing is not null && existing.Status == status && existing.Reason == reason)
        {
            return;
        }
        var now = Time.GetUtcNow().UtcDateTime;
        RemoveCondition(d.Status, type);
        (d.Status.Conditions ??= []).Add(new V1DeploymentCondition
        {
            Type = type, Status = status, Reason = reason, Message = message, LastUpdateTime = now,
            LastTransitionTime = existing?.Status == status ? existing.LastTransitionTime : now,
        });
    }

    /// <summary>Writes d.Status when it differs from the cached status; d then carries the new resourceVersion.</summary>
    private async Task<string?> WriteStatusAsync(V1Deployment d, CancellationToken ct)
    {
        var cached = _deployments.Lister.Get(d.Metadata.NamespaceProperty, d.Metadata.Name);
        if (cached is not null && cached.Metadata.ResourceVersion == d.Metadata.ResourceVersion
            && SameJson(cached.Status, d.Status))
        {
            return null;
        }
        var written = await _api.UpdateStatusAsync(ObjectCopy.Clone(d), ct).ConfigureAwait(false);
        if (written.IsNotFound)
        {
            return null;
        }
        if (!written.Ok)
        {
            return "status update: " + written;
        }
        d.Metadata.ResourceVersion = written.Value!.Metadata.ResourceVersion;
        return null;
    }
}
