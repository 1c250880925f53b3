using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.ReplicaSets;

public sealed partial class ReplicaSetController
{
    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = SplitKey(key);
        var rs = _replicaSets.Lister.Get(ns, name);
        if (rs is null)
        {
            _expectations.Forget(key);
            return SyncResult.Done;
        }
        var selector = LabelSelector.FromModel(rs.Spec.Selector);
        if (selector.IsEmpty)
        {
            // An empty selector would claim every pod of the namespace; validation forbids it.
            return SyncResult.Done;
        }
        // Read before listing pods: a creation observed in between only makes us wait one more sync.
        var needsSync = _expectations.Satisfied(key);
        var (pods, counts, claimError) = await ClaimPodsAsync(_api, _pods.Lister, rs, selector,
            () => StillOursAsync(rs, ct), ct).ConfigureAwait(false);
        if (claimError is not null)
        {
            return SyncResult.Failed(claimError);
        }
        string? manageError = null;
        if (needsSync && rs.Metadata.DeletionTimestamp is null)
        {
            manageError = await ManageReplicasAsync(key, rs, pods, ct).ConfigureAwait(false);
        }
        var status = ReplicaSetStatusCalculator.Calculate(rs, counts, manageError, Time.GetUtcNow());
        if (!ReplicaSetStatusCalculator.SameStatus(rs.Status, status))
        {
            var copy = ObjectCopy.Clone(rs);
            copy.Status = status;
            var written = await _api.UpdateStatusAsync(copy, ct).ConfigureAwait(false);
            if (written.IsNotFound)
            {
                return SyncResult.Done;
            }
            if (!written.Ok)
            {
                return SyncResult.Failed("status update: " + written);
            }
        }
        if (manageError is not null)
        {
            return SyncResult.Failed(manageError);
        }
        var minReady = rs.Spec.MinReadySeconds ?? 0;
        if (minReady > 0 && status.ReadyReplicas == status.Replicas && status.AvailableReplicas != status.Replicas)
        {
            return SyncResult.After(TimeSpan.FromSeconds(minReady));
        }
        return SyncResult.Done;
    }

    /// <summary>
    /// One pass over the set's own pods and its namespace's orphans (from
    /// <see cref="PodControllerIndex"/>): inactive pods skipped, the rest claimed, and the claimed
    /// ones counted for the status.
    /// </summary>
    internal static async Task<(List<V1Pod> Pods, ReplicaSetPodCounts Counts, string? Error)> ClaimPodsAsync(
        ApiConnection api, ILister<V1Pod> lister, V1ReplicaSet rs, LabelSelector selector, Func<Task<bool>> canAdopt, CancellationToken ct)
    {
        var candidates = PodControllerIndex.OwnedAndOrphans(lister, rs.Metadata.NamespaceProperty, rs.Metadata.Uid);
        var counts = new ReplicaSetPodCounts(rs);
        var (pods, error) = await OwnerRefs.ClaimAsync(api, rs, OwnerRefs.NewControllerRef(rs, "apps/v1", "ReplicaSet"),
            selector, candidates, canAdopt, ct, PodState.IsActive, counts.Add).ConfigureAwait(false);
        return (pods, counts, error);
    }

    /// <summary>Adoption needs a fresh read: the cached ReplicaSet may already be gone or replaced by one of the same name.</summary>
    private async Task<bool> StillOursAsync(V1ReplicaSet cached, CancellationToken ct)
    {
        var fresh = await _api.GetAsync<V1ReplicaSet>(cached.Metadata.NamespaceProperty, cached.Metadata.Name, ct).ConfigureAwait(false);
        return fresh.Ok && fresh.Value!.Metadata.Uid == cached.Metadata.Uid && fresh.Value.Metadata.DeletionTimestamp is null;
    }

    private static (string Namespace, string Name) SplitKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
    }
}
