using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Endpoints;
using Timonel.Controllers.Jobs;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.CronJobs;

/// <summary>
/// Starts batch/v1 Jobs on a CronJob's schedule (<see cref="CronJobPlanner"/> decides, on the
/// controller's TimeProvider), keeps status.active / lastScheduleTime / lastSuccessfulTime, and
/// deletes finished jobs past the history limits. Each sync asks to be woken at the next schedule time.
/// </summary>
public sealed class CronJobController : Controller, IRunnableController
{
    private readonly ControllerContext _context;
    private readonly IInformer<V1CronJob> _cronJobs;
    private readonly IInformer<V1Job> _jobs;

    public CronJobController(ControllerContext context)
        : base("cronjob-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.cronjob"))
    {
        _context = context;
        _cronJobs = context.Informers.GetInformer<V1CronJob>();
        _jobs = context.Informers.GetInformer<V1Job>();
        _cronJobs.AddEventHandler(ResourceEventHandler<V1CronJob>.ForAll(Enqueue));
        _jobs.AddEventHandler(ResourceEventHandler<V1Job>.ForAll(job =>
        {
            if (OwnerRefs.ControllerKey(job.Metadata, "CronJob") is { } key)
            {
                Queue.Add(key);
            }
        }));
    }

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_cronJobs.WaitForCacheSyncAsync, _jobs.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var cached = _cronJobs.Lister.Get(ns, name);
        if (cached is null)
        {
            return SyncResult.Done;
        }
        var cronJob = ObjectCopy.Clone(cached);
        var status = cronJob.Status ??= new V1CronJobStatus();
        var now = Time.GetUtcNow();
        var owned = _jobs.Lister.List(ns).Where(j => OwnerRefs.ControllerOf(j.Metadata)?.Uid == cronJob.Metadata.Uid).ToList();

        // Active: the owned jobs still running. A job leaving the list was seen to finish.
        var wasActive = (status.Active ?? []).Select(r => r.Uid).ToHashSet(StringComparer.Ordinal);
        foreach (var job in owned.Where(j => JobController.IsFinished(j) && wasActive.Contains(j.Metadata.Uid)))
        {
            var outcome = job.Status.Conditions.First(c => c.Type is "Complete" or "Failed" && c.Status == "True").Type;
            _context.EventsFrom("cronjob-controller").Record(cronJob, "Normal", "SawCompletedJob", $"Saw completed job: {job.Metadata.Name}, status: {outcome}");
        }
        var active = owned.Where(j => !JobController.IsFinished(j) && j.Metadata.DeletionTimestamp is null).ToList();
        // References already listed are kept as written, so a job's own updates do not rewrite the status.
        var listed = (status.Active ?? []).ToDictionary(r => r.Uid, StringComparer.Ordinal);
        status.Active = active.Count > 0 ? active.Select(j => listed.GetValueOrDefault(j.Metadata.Uid) ?? Reference(j)).ToList() : null;
        if (owned.Where(j => j.Status?.CompletionTime is not null && IsComplete(j)).Select(j => j.Status.CompletionTime).Max() is { } lastSuccess &&
            (status.LastSuccessfulTime is null || lastSuccess > status.LastSuccessfulTime))
        {
            status.LastSuccessfulTime = lastSuccess;
        }
        await CleanUpHistoryAsync(cronJob, owned, ct);

        SyncResult result = SyncResult.Done;
        if (cronJob.Metadata.DeletionTimestamp is null && cronJob.Spec.Suspend != true)
        {
            result = await ScheduleAsync(cronJob, active, now, ct);
        }
        if (KubernetesJson.Serialize(cronJob.Status) != KubernetesJson.Serialize(cached.Status ?? new V1CronJobStatus()))
        {
            var written = await _context.Api.UpdateStatusAsync(cronJob, ct);
            if (!written.Ok)
            {
                return SyncResult.Failed($"write status: {written}");
            }
        }
        return result;
    }

    private async Task<SyncResult> ScheduleAsync(V1CronJob cronJob, List<V1Job> active, DateTimeOffset now, CancellationToken ct)
    {
        if (!CronExpression.TryParse(cronJob.Spec.Schedule, out var schedule, out var error))
        {
            _context.EventsFrom("cronjob-controller").Record(cronJob, "Warning", "UnparseableSchedule", $"unparseable schedule: {cronJob.Spec.Schedule} : {error}");
            return SyncResult.Done; // a new spec brings the key back
        }
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrEmpty(cronJob.Spec.TimeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(cronJob.Spec.TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            _context.EventsFrom("cronjob-controller").Record(cronJob, "Warning", "UnknownTimeZone", $"invalid timeZone: {cronJob.Spec.TimeZone}");
            return SyncResult.Done;
        }

        var decision = CronJobPlanner.Decide(cronJob, active, schedule!, zone, now);
        foreach (var e in decision.Events)
        {
            _context.EventsFrom("cronjob-controller").Record(cronJob, e.Type, e.Reason, e.Message);
        }
        foreach (var job in decision.DeleteActive)
        {
            var deleted = await _context.Api.DeleteAsync<V1Job>(job.Metadata.NamespaceProperty, job.Metadata.Name, "Background", job.Metadata.Uid, ct);
            if (!deleted.Ok && !deleted.IsNotFound)
            {
                return SyncResult.Failed($"delete job {job.Metadata.Name}: {deleted}");
            }
            _context.EventsFrom("cronjob-controller").Record(cronJob, "Normal", "SuccessfulDelete", $"Deleted job {job.Metadata.Name}");
            cronJob.Status.Active = cronJob.Status.Active?.Where(r => r.Uid != job.Metadata.Uid).ToList() is { Count: > 0 } left ? left : null;
        }
        if (decision.ScheduledTime is { } scheduled)
        {
            var created = await _context.Api.CreateAsync(NewJob(cronJob, scheduled, zone), ct);
            V1Job? job = created.Value;
            if (created.IsAlreadyExists)
            {
                // Started by an earlier sync whose status write failed: adopt it if it is ours.
                var existing = await _context.Api.GetAsync<V1Job>(cronJob.Metadata.NamespaceProperty, CronJobNames.JobName(cronJob, scheduled), ct);
                job = existing.Value is { } j && OwnerRefs.ControllerOf(j.Metadata)?.Uid == cronJob.Metadata.Uid ? j : null;
            }
            else if (!created.Ok)
            {
                _context.EventsFrom("cronjob-controller").Record(cronJob, "Warning", "FailedCreate", $"Error creating job: {created.Error?.Message}");
                return SyncResult.Failed($"create job: {created}");
            }
            else
            {
                _context.EventsFrom("cronjob-controller").Record(cronJob, "Normal", "SuccessfulCreate", $"Created job {job!.Metadata.Name}");
                CronJobLog.Started(Logger, cronJob.Metadata.NamespaceProperty + "/" + cronJob.Metadata.Name, job.Metadata.Name, scheduled);
            }
            if (job is not null && !JobController.IsFinished(job) && cronJob.Status.Active?.Any(r => r.Uid == job.Metadata.Uid) != true)
            {
                (cronJob.Status.Active ??= []).Add(Reference(job));
            }
            cronJob.Status.LastScheduleTime = scheduled.UtcDateTime;
        }
        // Wake just after the next time (upstream adds 100 ms so the time has surely passed).
        return decision.NextWake is { } wake ? SyncResult.After(wake - now + TimeSpan.FromMilliseconds(100)) : SyncResult.Done;
    }

    private async Task CleanUpHistoryAsync(V1CronJob cronJob, List<V1Job> owned, CancellationToken ct)
    {
        var finished = owned.Where(j => JobController.IsFinished(j) && j.Metadata.DeletionTimestamp is null).ToList();
        var excess = Oldest(finished.Where(IsComplete), cronJob.Spec.SuccessfulJobsHistoryLimit ?? 3)
            .Concat(Oldest(finished.Where(j => !IsComplete(j)), cronJob.Spec.FailedJobsHistoryLimit ?? 1));
        foreach (var job in excess)
        {
            var deleted = await _context.Api.DeleteAsync<V1Job>(job.Metadata.NamespaceProperty, job.Metadata.Name, "Background", job.Metadata.Uid, ct);
            if (deleted.Ok)
            {
                _context.EventsFrom("cronjob-controller").Record(cronJob, "Normal", "SuccessfulDelete", $"Deleted job {job.Metadata.Name}");
            }
        }

        static IEnumerable<V1Job> Oldest(IEnumerable<V1Job> jobs, int keep)
        {
            var sorted = jobs.OrderBy(j => j.Status?.StartTime ?? j.Metadata.CreationTimestamp).ToList();
            return sorted.Take(Math.Max(0, sorted.Count - keep));
        }
    }

    private static bool IsComplete(V1Job job) => job.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true;

    private static V1ObjectReference Reference(V1Job job) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Name = job.Metadata.Name,
        NamespaceProperty = job.Metadata.NamespaceProperty,
        Uid = job.Metadata.Uid,
        ResourceVersion = job.Metadata.ResourceVersion,
    };

    private static V1Job NewJob(V1CronJob cronJob, DateTimeOffset scheduled, TimeZoneInfo zone)
    {
        var template = cronJob.Spec.JobTemplate;
        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [CronJobNames.ScheduledTimestampAnnotation] = TimeZoneInfo.ConvertTime(scheduled, zone).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
        };
        return new V1Job
        {
            Metadata = new V1ObjectMeta
            {
                Name = CronJobNames.JobName(cronJob, scheduled),
                NamespaceProperty = cronJob.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels is { } l ? new Dictionary<string, string>(l, StringComparer.Ordinal) : null,
                Annotations = annotations,
                OwnerReferences = [OwnerRefs.NewControllerRef(cronJob, "batch/v1", "CronJob")],
            },
            Spec = ObjectCopy.Clone(template.Spec),
        };
    }
}
