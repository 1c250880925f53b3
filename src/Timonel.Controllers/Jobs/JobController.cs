using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Endpoints;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Jobs;

/// <summary>
/// Runs a batch/v1 Job's pods to completion: keeps up to parallelism pods active until enough
/// succeed (NonIndexed: a count; Indexed: every index 0..completions-1), counts each finished pod
/// once (<see cref="JobTracking"/>), fails the job past backoffLimit failures or its
/// activeDeadlineSeconds, honours suspend, and deletes a finished job after ttlSecondsAfterFinished.
/// </summary>
public sealed partial class JobController : Controller, IRunnableController
{
    private static readonly TimeSpan BaseBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(6);

    private readonly ControllerContext _context;
    private readonly IInformer<V1Job> _jobs;
    private readonly IInformer<V1Pod> _pods;
    private readonly PendingPodWrites _pending;
    private readonly JobTracking _tracking;
    // When each job last saw a new pod failure: pods are re-created only after a backoff.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastFailure = new(StringComparer.Ordinal);

    public JobController(ControllerContext context)
        : base("job-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.job"))
    {
        _context = context;
        _jobs = context.Informers.GetInformer<V1Job>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _pending = new PendingPodWrites(context.Time);
        _tracking = new JobTracking(context.Api, _pending);
        _jobs.AddEventHandler(ResourceEventHandler<V1Job>.ForAll(Enqueue));
        _pods.AddEventHandler(ResourceEventHandler<V1Pod>.ForAll(pod =>
        {
            if (OwnerRefs.ControllerKey(pod.Metadata, "Job") is { } key)
            {
                Queue.Add(key);
            }
        }));
    }

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_jobs.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var cached = _jobs.Lister.Get(ns, name);
        if (cached is null)
        {
            _pending.Forget(key);
            _lastFailure.TryRemove(key, out _);
            return await ReleaseOrphansAsync(ns, name, ct);
        }
        if (!_pending.Satisfied(key, ns, _pods.Lister))
        {
            return SyncResult.After(TimeSpan.FromSeconds(1)); // the pod events will bring the key back sooner
        }
        var pods = _pods.Lister.List(ns).Where(p => OwnerRefs.ControllerOf(p.Metadata)?.Uid == cached.Metadata.Uid).ToList();
        var now = Time.GetUtcNow();

        // A job being deleted (foreground) only lets its pods go; it must not start new ones.
        if (IsFinished(cached) || cached.Metadata.DeletionTimestamp is not null)
        {
            return await SyncFinishedAsync(key, cached, pods, now, ct);
        }

        var (job, newFailures, error) = await _tracking.CountAsync(key, ObjectCopy.Clone(cached), pods, ct);
        if (error is not null)
        {
            return SyncResult.Failed(error);
        }
        if (newFailures > 0)
        {
            _lastFailure[key] = now;
        }
        job = ObjectCopy.Clone(job);
        var status = job.Status;
        var active = pods.Where(JobPods.IsActive).ToList();
        var wasSuspended = status.Conditions?.Any(c => c.Type == "Suspended" && c.Status == "True") == true;

        if (FailureOf(job, now) is { } failure)
        {
            if (await DeletePodsAsync(key, job, active, ct) is { } deleteError)
            {
                return SyncResult.Failed(deleteError);
            }
            SetCondition(job, "FailureTarget", failure.Reason, failure.Message, now);
            SetCondition(job, "Failed", failure.Reason, failure.Message, now);
            status.Active = 0;
            status.Ready = 0;
            var failed = await _context.Api.UpdateStatusAsync(job, ct);
            if (!failed.Ok)
            {
                return SyncResult.Failed($"write failed status: {failed}");
            }
            _context.EventsFrom("job-controller").Record(job, "Warning", failure.Reason, failure.Message);
            JobLog.Finished(Logger, key, "Failed", failure.Reason, job.Status.Succeeded ?? 0, job.Status.Failed ?? 0);
            return TtlRequeue(job, now);
        }

        if (IsComplete(job, active.Count))
        {
            if (await DeletePodsAsync(key, job, active, ct) is { } deleteError)
            {
                return SyncResult.Failed(deleteError);
            }
            SetCondition(job, "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now);
            SetCondition(job, "Complete", "CompletionsReached", "Reached expected number of succeeded pods", now);
            status.CompletionTime = now.UtcDateTime;
            status.Active = 0;
            status.Ready = 0;
            var completed = await _context.Api.UpdateStatusAsync(job, ct);
            if (!completed.Ok)
            {
                return SyncResult.Failed($"write complete status: {completed}");
            }
            _context.EventsFrom("job-controller").Record(job, "Normal", "Completed", "Job completed");
            JobLog.Finished(Logger, key, "Complete", "CompletionsReached", job.Status.Succeeded ?? 0, job.Status.Failed ?? 0);
            return TtlRequeue(job, now);
        }

        TimeSpan? requeue = null;
        if (job.Spec.Suspend == true)
        {
            if (await DeletePodsAsync(key, job, active, ct) is { } deleteError)
            {
                return SyncResult.Failed(deleteError);
            }
            active = [];
            if (!wasSuspended)
            {
                SetCondition(job, "Suspended", "JobSuspended", "Job suspended", now);
                _context.EventsFrom("job-controller").Record(job, "Normal", "Suspended", "Job suspended");
            }
        }
        else
        {
            if (wasSuspended)
            {
                SetCondition(job, "Suspended", "JobResumed", "Job resumed", now, "False");
                status.StartTime = now.UtcDateTime;
                _context.EventsFrom("job-controller").Record(job, "Normal", "Resumed", "Job resumed");
            }
            status.StartTime ??= now.UtcDateTime;
            var (created, wait, manageError) = await ManagePodsAsync(key, job, active, now, ct);
            if (manageError is not null)
            {
                return SyncResult.Failed(manageError);
            }
            active = created;
            requeue = wait;
            if (job.Spec.ActiveDeadlineSeconds is { } deadline)
            {
                var left = new DateTimeOffset(status.StartTime.Value, TimeSpan.Zero).AddSeconds(deadline) - now;
                requeue = Min(requeue, left < TimeSpan.Zero ? TimeSpan.Zero : left);
            }
        }

        status.Active = active.Count;
        status.Ready = active.Count(PodFacts.IsReady);
        status.Terminating = pods.Count(p => PodFacts.IsTerminating(p) && !PodFacts.IsFinished(p));
        if (k8s.KubernetesJson.Serialize(status) != k8s.KubernetesJson.Serialize(cached.Status ?? new V1JobStatus()))
        {
            var written = await _context.Api.UpdateStatusAsync(job, ct);
            if (!written.Ok)
            {
                return SyncResult.Failed($"write status: {written}");
            }
        }
        return requeue is { } r ? SyncResult.After(r) : SyncResult.Done;
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    internal static bool IsFinished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true;

    private static (string Reason, string Message)? FailureOf(V1Job job, DateTimeOffset now)
    {
        if ((job.Status.Failed ?? 0) > (job.Spec.BackoffLimit ?? 6))
        {
            return ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }
        if (job.Spec.ActiveDeadlineSeconds is { } deadline && job.Status.StartTime is { } start && job.Spec.Suspend != true &&
            new DateTimeOffset(start, TimeSpan.Zero).AddSeconds(deadline) <= now)
        {
            return ("DeadlineExceeded", "Job was active longer than specified deadline");
        }
        return null;
    }

    private static bool IsComplete(V1Job job, int active)
    {
        var succeeded = job.Status.Succeeded ?? 0;
        if (job.Spec.CompletionMode == "Indexed")
        {
            return job.Spec.Completions is { } n && JobPods.ParseIndexes(job.Status.CompletedIndexes).Count(i => i < n) >= n;
        }
        return job.Spec.Completions is { } completions
            ? succeeded >= completions
            : succeeded > 0 && active == 0; // no completions: done once one succeeded and the rest stopped
    }

    private static void SetCondition(V1Job job, string type, string reason, string message, DateTimeOffset now, string status = "True")
    {
        var conditions = job.Status.Conditions ??= [];
        var existing = conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            conditions.Add(new V1JobCondition { Type = type, Status = status, Reason = reason, Message = message, LastProbeTime = now.UtcDateTime, LastTransitionTime = now.UtcDateTime });
            return;
        }
        if (existing.Status != status)
        {
            existing.LastTransitionTime = now.UtcDateTime;
        }
        (existing.Status, existing.Reason, existing.Message, existing.LastProbeTime) = (status, reason, message, now.UtcDateTime);
    }
}
