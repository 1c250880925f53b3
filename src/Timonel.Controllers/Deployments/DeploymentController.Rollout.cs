using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Deployments;

public sealed partial class DeploymentController
{
    /// <summary>
    /// One step of a rolling update: first grow the new set within maxSurge; if nothing grew,
    /// shrink old sets within maxUnavailable (unhealthy old pods first, since removing them costs
    /// no availability). Each step writes and returns; the ReplicaSets' status changes bring the
    /// next sync.
    /// </summary>
    private async Task<SyncResult> RolloutRollingAsync(V1Deployment d, List<V1ReplicaSet> sets, CancellationToken ct)
    {
        var (newRs, old, error) = await NewAndOldAsync(d, sets, create: true, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return SyncResult.Failed(error);
        }
        var all = old.Prepend(newRs).OfType<V1ReplicaSet>().ToList();
        var (scaledUp, upError) = await ReconcileNewAsync(d, all, newRs, ct).ConfigureAwait(false);
        if (upError is not null)
        {
            return SyncResult.Failed(upError);
        }
        if (scaledUp)
        {
            return await SyncRolloutStatusAsync(d, all, newRs, ct).ConfigureAwait(false);
        }
        var (scaledDown, downError) = await ReconcileOldAsync(d, all, old, newRs, ct).ConfigureAwait(false);
        if (downError is not null)
        {
            return SyncResult.Failed(downError);
        }
        if (!scaledDown && IsComplete(d, CalculateStatus(d, all, newRs))
            && await CleanupAsync(d, old, ct).ConfigureAwait(false) is { } cleanupError)
        {
            return SyncResult.Failed(cleanupError);
        }
        return await SyncRolloutStatusAsync(d, all, newRs, ct).ConfigureAwait(false);
    }

    private async Task<(bool Scaled, string? Error)> ReconcileNewAsync(V1Deployment d, List<V1ReplicaSet> all, V1ReplicaSet? newRs, CancellationToken ct)
    {
        if (newRs is null)
        {
            return (false, null);
        }
        var desired = d.Spec.Replicas ?? 1;
        var current = DeploymentMath.Replicas(newRs);
        var target = current > desired ? desired : DeploymentMath.NewReplicaSetReplicas(d, all, newRs);
        if (target == current)
        {
            return (false, null);
        }
        return (true, await ScaleReplicaSetAsync(d, newRs, target, ct).ConfigureAwait(false));
    }

    private async Task<(bool Scaled, string? Error)> ReconcileOldAsync(V1Deployment d, List<V1ReplicaSet> all, List<V1ReplicaSet> old,
        V1ReplicaSet? newRs, CancellationToken ct)
    {
        if (old.Sum(DeploymentMath.Replicas) == 0)
        {
            return (false, null);
        }
        var minAvailable = (d.Spec.Replicas ?? 1) - DeploymentMath.MaxUnavailable(d);
        var newUnavailable = newRs is null ? 0 : DeploymentMath.Replicas(newRs) - (newRs.Status?.AvailableReplicas ?? 0);
        var maxScaledDown = all.Sum(DeploymentMath.Replicas) - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return (false, null);
        }
        var scaled = 0;
        // Unavailable old pods first: they add nothing to availability.
        foreach (var rs in ByCreation(old))
        {
            var unhealthy = DeploymentMath.Replicas(rs) - (rs.Status?.AvailableReplicas ?? 0);
            if (scaled >= maxScaledDown)
            {
                break;
            }
            if (DeploymentMath.Replicas(rs) == 0 || unhealthy <= 0)
            {
                continue;
            }
            var count = Math.Min(maxScaledDown - scaled, unhealthy);
            if (await ScaleReplicaSetAsync(d, rs, DeploymentMath.Replicas(rs) - count, ct).ConfigureAwait(false) is { } e)
            {
                return (true, e);
            }
            scaled += count;
        }
        // Then healthy old pods, as far as availability above minAvailable allows. A set just scaled
        // down still reports its old availableReplicas until its controller deletes the pods, so no
        // set counts more available pods than its spec keeps; and the spec arithmetic above
        // (maxScaledDown) bounds this step too. Without both, a sync on a stale status shrank old
        // sets twice for the same new pods (10,000 replicas: ready fell far below 75%).
        var available = all.Sum(rs => Math.Min(rs.Status?.AvailableReplicas ?? 0, DeploymentMath.Replicas(rs)));
        var budget = Math.Min(available - minAvailable, maxScaledDown - scaled);
        var healthyScaled = 0;
        foreach (var rs in ByCreation(old))
        {
            if (healthyScaled >= budget)
            {
                break;
            }
            if (DeploymentMath.Replicas(rs) == 0)
            {
                continue;
            }
            var count = Math.Min(DeploymentMath.Replicas(rs), budget - healthyScaled);
            if (await ScaleReplicaSetAsync(d, rs, DeploymentMath.Replicas(rs) - count, ct).ConfigureAwait(false) is { } e)
            {
                return (true, e);
            }
            healthyScaled += count;
        }
        return (scaled + healthyScaled > 0, null);
    }

    /// <summary>Recreate: every old set to zero, wait until no old pod is left, then the new set at full size.</summary>
    private async Task<SyncResult> RolloutRecreateAsync(V1Deployment d, List<V1ReplicaSet> sets, CancellationToken ct)
    {
        var (newRs, old, error) = await NewAndOldAsync(d, sets, create: false, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return SyncResult.Failed(error);
        }
        var all = old.Prepend(newRs).OfType<V1ReplicaSet>().ToList();
        var scaledDown = false;
        foreach (var rs in old.Where(rs => DeploymentMath.Replicas(rs) > 0))
        {
            if (await ScaleReplicaSetAsync(d, rs, 0, ct).ConfigureAwait(false) is { } e)
            {
                return SyncResult.Failed(e);
            }
            scaledDown = true;
        }
        if (scaledDown || OldPodsRunning(old))
        {
            return await SyncRolloutStatusAsync(d, all, newRs, ct).ConfigureAwait(false);
        }
        if (newRs is null)
        {
            (newRs, old, error) = await NewAndOldAsync(d, sets, create: true, ct).ConfigureAwait(false);
            if (error is not null)
            {
                return SyncResult.Failed(error);
            }
            all = old.Prepend(newRs).OfType<V1ReplicaSet>().ToList();
        }
        if (newRs is not null && DeploymentMath.Replicas(newRs) != (d.Spec.Replicas ?? 1)
            && await ScaleReplicaSetAsync(d, newRs, d.Spec.Replicas ?? 1, ct).ConfigureAwait(false) is { } upError)
        {
            return SyncResult.Failed(upError);
        }
        if (IsComplete(d, CalculateStatus(d, all, newRs)) && await CleanupAsync(d, old, ct).ConfigureAwait(false) is { } cleanupError)
        {
            return SyncResult.Failed(cleanupError);
        }
        return await SyncRolloutStatusAsync(d, all, newRs, ct).ConfigureAwait(false);
    }

    /// <summary>Any pod of an old set still there and not finished (terminating pods count: they may still run).</summary>
    private bool OldPodsRunning(List<V1ReplicaSet> old)
    {
        if (old.Any(rs => (rs.Status?.Replicas ?? 0) > 0))
        {
            return true;
        }
        // The pods controlled by each old set, from the index, not a scan of the namespace.
        foreach (var rs in old)
        {
            foreach (var p in _pods.Lister.ByIndex(PodControllerIndex.Name, rs.Metadata.Uid))
            {
                if (p.Metadata.NamespaceProperty == rs.Metadata.NamespaceProperty && p.Status?.Phase is not ("Succeeded" or "Failed"))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
