using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.Endpoints;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Jobs;

public sealed partial class JobController
{
    /// <summary>
    /// Creates or deletes pods so that the right number run: NonIndexed keeps
    /// min(parallelism, completions - succeeded) active; Indexed runs the lowest indexes that have
    /// neither succeeded nor an active pod. After a failure, creation waits 10 s doubling to 6 min.
    /// Returns the active pods afterwards and when to look again.
    /// </summary>
    private async Task<(List<V1Pod> Active, TimeSpan? Requeue, string? Error)> ManagePodsAsync(
        string key, V1Job job, List<V1Pod> active, DateTimeOffset now, CancellationToken ct)
    {
        var parallelism = job.Spec.Parallelism ?? 1;
        var succeeded = job.Status.Succeeded ?? 0;
        var result = new List<V1Pod>(active);
        var toDelete = new List<V1Pod>();
        var toCreate = new List<int?>();

        if (job.Spec.CompletionMode == "Indexed" && job.Spec.Completions is { } completions)
        {
            var done = JobPods.ParseIndexes(job.Status.CompletedIndexes);
            var running = new HashSet<int>();
            // Oldest pod of an index wins; duplicates, out-of-range and completed indexes go.
            foreach (var pod in active.OrderBy(p => p.Metadata.CreationTimestamp))
            {
                if (JobPods.IndexOf(pod) is not { } i || i >= completions || done.Contains(i) || !running.Add(i))
                {
                    toDelete.Add(pod);
                }
            }
            var room = parallelism - running.Count;
            toCreate.AddRange(Enumerable.Range(0, completions).Where(i => !done.Contains(i) && !running.Contains(i)).Take(Math.Max(0, room)).Select(i => (int?)i));
        }
        else
        {
            var want = job.Spec.Completions is { } n
                ? Math.Min(parallelism, Math.Max(0, n - succeeded))
                : succeeded > 0 ? Math.Min(active.Count, parallelism) : parallelism;
            if (active.Count > want)
            {
                // Not-ready and younger pods go first: they lost the least work.
                toDelete.AddRange(active.OrderBy(PodFacts.IsReady).ThenByDescending(p => p.Metadata.CreationTimestamp).Take(active.Count - want));
            }
            toCreate.AddRange(Enumerable.Repeat<int?>(null, Math.Max(0, want - active.Count)));
        }

        if (await DeletePodsAsync(key, job, toDelete, ct) is { } deleteError)
        {
            return (result, null, deleteError);
        }
        result.RemoveAll(toDelete.Contains);

        if (toCreate.Count > 0 && (job.Status.Failed ?? 0) > 0 && _lastFailure.TryGetValue(key, out var lastFailure))
        {
            var exponent = Math.Min(job.Status.Failed!.Value - 1, 10);
            var delay = TimeSpan.FromTicks(Math.Min(BaseBackoff.Ticks << exponent, MaxBackoff.Ticks));
            if (now < lastFailure + delay)
            {
                return (result, lastFailure + delay - now, null);
            }
        }
        foreach (var index in toCreate)
        {
            var created = await _context.Api.CreateAsync(JobPods.New(job, index), ct);
            if (!created.Ok)
            {
                _context.EventsFrom("job-controller").Record(job, "Warning", "FailedCreate", $"Error creating: {created.Error?.Message}");
                return (result, null, $"create pod: {created}");
            }
            _pending.Created(key, created.Value!.Metadata.Name);
            _context.EventsFrom("job-controller").Record(job, "Normal", "SuccessfulCreate", $"Created pod: {created.Value.Metadata.Name}");
            result.Add(created.Value);
        }
        return (result, null, null);
    }

    /// <summary>Deletes pods this controller decided to stop; they are not counted, so their finalizer goes first.</summary>
    private async Task<string?> DeletePodsAsync(string key, V1Job job, IEnumerable<V1Pod> pods, CancellationToken ct)
    {
        foreach (var pod in pods)
        {
            if (JobPods.HasTrackingFinalizer(pod))
            {
                var removed = await JobPods.RemoveFinalizerAsync(_context.Api, pod, ct);
                if (!removed.Ok && !removed.IsNotFound)
                {
                    return $"remove finalizer of {pod.Metadata.Name}: {removed}";
                }
                _pending.FinalizerRemoved(key, pod.Metadata.Name, JobPods.TrackingFinalizer);
            }
            var deleted = await _context.Api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, preconditionUid: pod.Metadata.Uid, ct: ct);
            if (!deleted.Ok && !deleted.IsNotFound)
            {
                _context.EventsFrom("job-controller").Record(job, "Warning", "FailedDelete", $"Error deleting: {deleted.Error?.Message}");
                return $"delete pod {pod.Metadata.Name}: {deleted}";
            }
            _pending.Deleted(key, pod.Metadata.Name);
            _context.EventsFrom("job-controller").Record(job, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
        }
        return null;
    }

    /// <summary>A finished job releases its pods' finalizers (they are not counted any more) and waits out its TTL.</summary>
    private async Task<SyncResult> SyncFinishedAsync(string key, V1Job job, List<V1Pod> pods, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var pod in pods.Where(p => JobPods.HasTrackingFinalizer(p) && !_pending.RemovingFinalizer(key, p.Metadata.Name)))
        {
            var removed = await JobPods.RemoveFinalizerAsync(_context.Api, pod, ct);
            if (!removed.Ok && !removed.IsNotFound)
            {
                return SyncResult.Failed($"remove finalizer of {pod.Metadata.Name}: {removed}");
            }
            _pending.FinalizerRemoved(key, pod.Metadata.Name, JobPods.TrackingFinalizer);
        }
        if (FinishedAt(job) is { } finishedAt && job.Spec.TtlSecondsAfterFinished is { } ttl && job.Metadata.DeletionTimestamp is null)
        {
            var due = finishedAt.AddSeconds(ttl);
            if (due > now)
            {
                return SyncResult.After(due - now);
            }
            // Background: the garbage collector removes the pods after their owner is gone.
            var deleted = await _context.Api.DeleteAsync<V1Job>(job.Metadata.NamespaceProperty, job.Metadata.Name, "Background", job.Metadata.Uid, ct);
            return deleted.Ok || deleted.IsNotFound ? SyncResult.Done : SyncResult.Failed($"delete expired job: {deleted}");
        }
        return SyncResult.Done;
    }

    /// <summary>Pods of a job that is gone keep no tracking finalizer: nobody would ever remove it.</summary>
    private async Task<SyncResult> ReleaseOrphansAsync(string? ns, string jobName, CancellationToken ct)
    {
        foreach (var pod in _pods.Lister.List(ns).Where(p => JobPods.HasTrackingFinalizer(p) &&
            OwnerRefs.ControllerOf(p.Metadata) is { Kind: "Job" } owner && owner.Name == jobName &&
            _jobs.Lister.Get(ns, jobName) is null))
        {
            var removed = await JobPods.RemoveFinalizerAsync(_context.Api, pod, ct);
            if (!removed.Ok && !removed.IsNotFound)
            {
                return SyncResult.Failed($"remove finalizer of orphan {pod.Metadata.Name}: {removed}");
            }
        }
        return SyncResult.Done;
    }

    private SyncResult TtlRequeue(V1Job job, DateTimeOffset now) =>
        job.Spec.TtlSecondsAfterFinished is { } ttl && FinishedAt(job) is { } at
            ? SyncResult.After(at.AddSeconds(ttl) > now ? at.AddSeconds(ttl) - now : TimeSpan.Zero)
            : SyncResult.Done;

    private static DateTimeOffset? FinishedAt(V1Job job)
    {
        if (job.Status?.CompletionTime is { } completed)
        {
            return new DateTimeOffset(completed, TimeSpan.Zero);
        }
        return job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True")?.LastTransitionTime is { } failed
            ? new DateTimeOffset(failed, TimeSpan.Zero)
            : null;
    }
}
