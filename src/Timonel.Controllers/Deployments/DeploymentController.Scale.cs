using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Deployments;

public sealed partial class DeploymentController
{
    /// <summary>spec.replicas changed since the active ReplicaSets were last sized (their desired-replicas annotation says so).</summary>
    private static bool IsScalingEvent(V1Deployment d, List<V1ReplicaSet> sets)
    {
        var desired = d.Spec.Replicas ?? 1;
        return sets.Where(rs => DeploymentMath.Replicas(rs) > 0).Any(rs =>
            DeploymentMath.IntAnnotation(rs, DeploymentMath.DesiredReplicasAnnotation) is { } recorded && recorded != desired);
    }

    /// <summary>Paused or rescaled: resize the ReplicaSets (proportionally mid-rollout), keep history, write status.</summary>
    private async Task<SyncResult> SyncScaleAsync(V1Deployment d, List<V1ReplicaSet> sets, CancellationToken ct)
    {
        var (newRs, old, error) = await NewAndOldAsync(d, sets, create: false, ct).ConfigureAwait(false);
        if (error is not null)
        {
            return SyncResult.Failed(error);
        }
        if ((error = await ScaleAsync(d, newRs, old, ct).ConfigureAwait(false)) is not null)
        {
            return SyncResult.Failed(error);
        }
        if (d.Spec.Paused == true && (error = await CleanupAsync(d, old, ct).ConfigureAwait(false)) is not null)
        {
            return SyncResult.Failed(error);
        }
        return ToResult(await SyncDeploymentStatusAsync(d, ct).ConfigureAwait(false));
    }

    private async Task<string?> ScaleAsync(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> old, CancellationToken ct)
    {
        var desired = d.Spec.Replicas ?? 1;
        var all = old.Prepend(newRs).OfType<V1ReplicaSet>().ToList();
        var active = all.Where(rs => DeploymentMath.Replicas(rs) > 0).ToList();
        // One ReplicaSet holds every pod (or none does): it simply takes the new size.
        var only = active.Count switch
        {
            1 => active[0],
            0 => newRs ?? ByCreation(old).LastOrDefault(),
            _ => null,
        };
        if (only is not null || active.Count <= 1)
        {
            return only is null || DeploymentMath.Replicas(only) == desired
                ? null
                : await ScaleReplicaSetAsync(d, only, desired, ct).ConfigureAwait(false);
        }
        if (newRs is not null && IsSaturated(d, newRs))
        {
            foreach (var rs in old.Where(rs => DeploymentMath.Replicas(rs) > 0))
            {
                if (await ScaleReplicaSetAsync(d, rs, 0, ct).ConfigureAwait(false) is { } e)
                {
                    return e;
                }
            }
            return null;
        }
        if (!DeploymentMath.IsRolling(d))
        {
            return null;
        }
        var allowed = desired > 0 ? desired + DeploymentMath.MaxSurge(d) : 0;
        var toAdd = allowed - active.Sum(DeploymentMath.Replicas);
        // Growing favours the largest (then newest) set; shrinking the largest (then oldest).
        var ordered = toAdd > 0
            ? active.OrderByDescending(DeploymentMath.Replicas).ThenByDescending(rs => rs.Metadata.CreationTimestamp).ToList()
            : active.OrderByDescending(DeploymentMath.Replicas).ThenBy(rs => rs.Metadata.CreationTimestamp).ToList();
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        var added = 0;
        foreach (var rs in ordered)
        {
            var share = DeploymentMath.Proportion(rs, d, toAdd, added);
            sizes[rs.Metadata.Name] = DeploymentMath.Replicas(rs) + share;
            added += share;
        }
        // What rounding left over goes to the first (largest) set.
        if (ordered.Count > 0 && toAdd != 0)
        {
            var first = ordered[0].Metadata.Name;
            sizes[first] = Math.Max(0, sizes[first] + toAdd - added);
        }
        foreach (var rs in ordered)
        {
            if (await ScaleReplicaSetAsync(d, rs, sizes[rs.Metadata.Name], ct).ConfigureAwait(false) is { } e)
            {
                return e;
            }
        }
        return null;
    }

    /// <summary>The new set is at full size, knows it, and every pod of it is available.</summary>
    private static bool IsSaturated(V1Deployment d, V1ReplicaSet rs)
    {
        var desired = d.Spec.Replicas ?? 1;
        return DeploymentMath.Replicas(rs) == desired
            && DeploymentMath.IntAnnotation(rs, DeploymentMath.DesiredReplicasAnnotation) == desired
            && (rs.Status?.AvailableReplicas ?? 0) == desired;
    }

    /// <summary>Sets a ReplicaSet's size and its desired/max annotations (the base of later proportional scaling).</summary>
    private async Task<string?> ScaleReplicaSetAsync(V1Deployment d, V1ReplicaSet rs, int size, CancellationToken ct)
    {
        var desired = d.Spec.Replicas ?? 1;
        var copy = ObjectCopy.Clone(rs);
        var from = DeploymentMath.Replicas(rs);
        var annotationsChanged = DeploymentMath.SetReplicasAnnotations(copy, desired, desired + DeploymentMath.MaxSurge(d));
        if (from == size && !annotationsChanged)
        {
            return null;
        }
        copy.Spec.Replicas = size;
        var written = await _api.UpdateAsync(copy, ct).ConfigureAwait(false);
        if (!written.Ok)
        {
            return $"scaling replica set {rs.Metadata.Name}: {written}";
        }
        // Later steps of this sync must see the new size.
        rs.Spec.Replicas = size;
        rs.Metadata.Annotations = copy.Metadata.Annotations;
        rs.Metadata.ResourceVersion = written.Value!.Metadata.ResourceVersion;
        if (from != size)
        {
            RecordScaling(d, from < size ? "up" : "down", rs.Metadata.Name, from, size);
        }
        return null;
    }

    private void RecordScaling(V1Deployment d, string direction, string name, int from, int to)
    {
        WorkloadsLog.Scaled(Logger, d.Metadata.NamespaceProperty + "/" + d.Metadata.Name, direction, name, from, to);
        _events.Record(d, "Normal", "ScalingReplicaSet", $"Scaled {direction} replica set {name} from {from} to {to}");
    }

    private static SyncResult ToResult(string? error) => error is null ? SyncResult.Done : SyncResult.Failed(error);
}
