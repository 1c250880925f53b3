using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.ReplicaSets;

public sealed partial class ReplicaSetController
{
    /// <summary>
    /// Creates or deletes the difference between the claimed pods and spec.replicas. The counts
    /// are announced to <see cref="Expectations"/> before the first write, and every write that
    /// fails (or is skipped) is taken back, so the next sync waits exactly for what will arrive.
    /// </summary>
    /// <returns>null, or the first error (the sync is then retried with backoff).</returns>
    private async Task<string?> ManageReplicasAsync(string key, V1ReplicaSet rs, List<V1Pod> pods, CancellationToken ct)
    {
        var want = rs.Spec.Replicas ?? 1;
        var diff = pods.Count - want;
        if (diff < 0)
        {
            var count = Math.Min(-diff, BurstReplicas);
            WorkloadsLog.TooFew(Logger, key, want, count);
            _expectations.ExpectCreations(key, count);
            var (created, error) = await SlowStartAsync(count, () => CreatePodAsync(rs, ct)).ConfigureAwait(false);
            for (var i = created; i < count; i++)
            {
                _expectations.CreationObserved(key);
            }
            return error;
        }
        if (diff > 0)
        {
            var count = Math.Min(diff, BurstReplicas);
            WorkloadsLog.TooMany(Logger, key, want, count);
            var victims = PodDeletionRanking.PodsToDelete(pods, count);
            _expectations.ExpectDeletions(key, victims.Select(PodState.Key));
            var results = await Task.WhenAll(victims.Select(p => DeletePodAsync(key, rs, p, ct))).ConfigureAwait(false);
            return results.FirstOrDefault(e => e is not null);
        }
        return null;
    }

    /// <summary>
    /// Upstream's slow start: batches of 1, 2, 4, ... run in parallel; the first batch with a
    /// failure stops the rest, so a systematic error (quota, invalid template) costs one call,
    /// not hundreds.
    /// </summary>
    internal static async Task<(int Succeeded, string? Error)> SlowStartAsync(int count, Func<Task<string?>> action)
    {
        var succeeded = 0;
        for (var batch = Math.Min(count, 1); count - succeeded > 0; batch = Math.Min(2 * batch, count - succeeded))
        {
            var errors = await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => action())).ConfigureAwait(false);
            succeeded += errors.Count(e => e is null);
            if (errors.FirstOrDefault(e => e is not null) is { } error)
            {
                return (succeeded, error);
            }
        }
        return (succeeded, null);
    }

    private async Task<string?> CreatePodAsync(V1ReplicaSet rs, CancellationToken ct)
    {
        var template = rs.Spec.Template;
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                GenerateName = rs.Metadata.Name + "-",
                NamespaceProperty = rs.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : null,
                Annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : null,
                Finalizers = template.Metadata?.Finalizers?.ToList(),
                OwnerReferences = [OwnerRefs.NewControllerRef(rs, "apps/v1", "ReplicaSet")],
            },
            Spec = ObjectCopy.Clone(template.Spec),
        };
        var result = await _api.CreateAsync(pod, ct).ConfigureAwait(false);
        if (!result.Ok)
        {
            var message = result.Error?.Message ?? result.ToString();
            _events.Record(rs, "Warning", "FailedCreate", "Error creating: " + message);
            return "creating pod: " + message;
        }
        _events.Record(rs, "Normal", "SuccessfulCreate", "Created pod: " + result.Value!.Metadata.Name);
        return null;
    }

    private async Task<string?> DeletePodAsync(string key, V1ReplicaSet rs, V1Pod pod, CancellationToken ct)
    {
        var result = await _api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name,
            preconditionUid: pod.Metadata.Uid, ct: ct).ConfigureAwait(false);
        if (result.Ok)
        {
            _events.Record(rs, "Normal", "SuccessfulDelete", "Deleted pod: " + pod.Metadata.Name);
            return null;
        }
        // Not going to be observed as a deletion by us: stop waiting for it.
        _expectations.DeletionObserved(key, PodState.Key(pod));
        if (result.IsNotFound)
        {
            return null;
        }
        var message = result.Error?.Message ?? result.ToString();
        _events.Record(rs, "Warning", "FailedDelete", "Error deleting: " + message);
        return "deleting pod: " + message;
    }
}
