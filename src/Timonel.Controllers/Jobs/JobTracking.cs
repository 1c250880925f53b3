using k8s.Models;
using Timonel.Client.Api;
using Timonel.Controllers.Endpoints;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Jobs;

/// <summary>
/// Counting finished pods exactly once, as upstream does with the job-tracking finalizer:
/// 1. a finished pod that still holds the finalizer is recorded by uid in
///    status.uncountedTerminatedPods (and, if Indexed and succeeded, in completedIndexes);
/// 2. its finalizer is removed, so the pod may now go away;
/// 3. the recorded uids move into status.succeeded / status.failed.
/// A crash between any two steps repeats the step safely: a uid is never in both places, and a
/// pod without the finalizer has been counted. Every status write is conditional on the
/// resourceVersion read, so a sync working from a stale job fails and is retried.
/// </summary>
internal sealed class JobTracking(ApiConnection api, PendingPodWrites pending)
{
    /// <summary>A pod counts as failed when it failed, or was deleted before it succeeded.</summary>
    public static bool IsFailed(V1Pod pod) =>
        pod.Status?.Phase == "Failed" || (pod.Metadata.DeletionTimestamp is not null && pod.Status?.Phase != "Succeeded");

    public static bool IsSucceeded(V1Pod pod) => pod.Status?.Phase == "Succeeded";

    /// <summary>Runs the three steps; returns the job as last written (or read), or an error.</summary>
    public async Task<(V1Job Job, int NewFailures, string? Error)> CountAsync(string key, V1Job job, IReadOnlyList<V1Pod> pods, CancellationToken ct)
    {
        var status = job.Status ??= new V1JobStatus();
        // These writes come before the sync's own: their active count must not still include the
        // pods they count as finished (a moment of "2 succeeded, 2 active" for a job of 2 at a time).
        status.Active = pods.Count(JobPods.IsActive);
        var uncounted = status.UncountedTerminatedPods ??= new V1UncountedTerminatedPods();
        uncounted.Succeeded ??= [];
        uncounted.Failed ??= [];
        var indexed = job.Spec.CompletionMode == "Indexed";
        var completed = JobPods.ParseIndexes(status.CompletedIndexes);

        var newlyDone = pods.Where(p => JobPods.HasTrackingFinalizer(p) && (IsSucceeded(p) || IsFailed(p)) &&
            !uncounted.Succeeded.Contains(p.Metadata.Uid) && !uncounted.Failed.Contains(p.Metadata.Uid) &&
            !pending.RemovingFinalizer(key, p.Metadata.Name)).ToList();
        var newFailures = 0;
        if (newlyDone.Count > 0)
        {
            foreach (var pod in newlyDone)
            {
                if (IsSucceeded(pod))
                {
                    uncounted.Succeeded.Add(pod.Metadata.Uid);
                    if (indexed && JobPods.IndexOf(pod) is { } i && i < (job.Spec.Completions ?? 0))
                    {
                        completed.Add(i);
                    }
                }
                else
                {
                    uncounted.Failed.Add(pod.Metadata.Uid);
                    newFailures++;
                }
            }
            if (indexed)
            {
                status.CompletedIndexes = JobPods.FormatIndexes(completed);
            }
            var written = await api.UpdateStatusAsync(job, ct);
            if (!written.Ok)
            {
                return (job, 0, $"record finished pods: {written}");
            }
            job = written.Value!;
        }

        var recorded = new HashSet<string>(job.Status.UncountedTerminatedPods?.Succeeded ?? [], StringComparer.Ordinal);
        recorded.UnionWith(job.Status.UncountedTerminatedPods?.Failed ?? []);
        if (recorded.Count == 0)
        {
            return (job, newFailures, null);
        }
        foreach (var pod in pods.Where(p => recorded.Contains(p.Metadata.Uid) && JobPods.HasTrackingFinalizer(p)))
        {
            var removed = await JobPods.RemoveFinalizerAsync(api, pod, ct);
            if (!removed.Ok && !removed.IsNotFound)
            {
                return (job, newFailures, $"remove finalizer of {pod.Metadata.Name}: {removed}");
            }
            pending.FinalizerRemoved(key, pod.Metadata.Name, JobPods.TrackingFinalizer);
        }

        var move = ObjectCopy.Clone(job);
        move.Status.Succeeded = (move.Status.Succeeded ?? 0) + (move.Status.UncountedTerminatedPods.Succeeded?.Count ?? 0);
        move.Status.Failed = (move.Status.Failed ?? 0) + (move.Status.UncountedTerminatedPods.Failed?.Count ?? 0);
        move.Status.UncountedTerminatedPods = new V1UncountedTerminatedPods { Succeeded = [], Failed = [] };
        var moved = await api.UpdateStatusAsync(move, ct);
        return moved.Ok ? (moved.Value!, newFailures, null) : (job, newFailures, $"count finished pods: {moved}");
    }
}
