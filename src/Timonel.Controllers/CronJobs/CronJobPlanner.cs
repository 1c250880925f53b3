using k8s.Models;

namespace Timonel.Controllers.CronJobs;

/// <summary>An event the decision asks for.</summary>
public sealed record CronEvent(string Type, string Reason, string Message);

/// <summary>
/// What a CronJob should do now: start a job for <see cref="ScheduledTime"/> (after deleting
/// <see cref="DeleteActive"/> under Replace), or nothing; and when to look again.
/// </summary>
public sealed record CronDecision(DateTimeOffset? ScheduledTime, IReadOnlyList<V1Job> DeleteActive, IReadOnlyList<CronEvent> Events, DateTimeOffset? NextWake);

/// <summary>
/// The scheduling rules, free of I/O so they can be driven by any clock:
/// - the most recent schedule time t after max(lastScheduleTime or creation, now - startingDeadlineSeconds)
///   and not after now is due (older missed times are skipped; more than 100 missed warns);
/// - Forbid: while a job is active, t waits (lastScheduleTime is not advanced, so t may still start
///   once the active job ends, if within the starting deadline);
/// - Replace: the active jobs are deleted and a job for t starts; Allow: it just starts.
/// </summary>
public static class CronJobPlanner
{
    public static CronDecision Decide(V1CronJob cronJob, IReadOnlyList<V1Job> activeJobs, CronExpression schedule, TimeZoneInfo zone, DateTimeOffset now)
    {
        var events = new List<CronEvent>();
        var next = schedule.Next(now, zone);
        if (cronJob.Spec.Suspend == true)
        {
            return new(null, [], events, null);
        }
        var earliest = cronJob.Status?.LastScheduleTime is { } last
            ? new DateTimeOffset(last, TimeSpan.Zero)
            : new DateTimeOffset(cronJob.Metadata.CreationTimestamp ?? now.UtcDateTime, TimeSpan.Zero);
        if (cronJob.Spec.StartingDeadlineSeconds is { } deadline && now.AddSeconds(-deadline) > earliest)
        {
            earliest = now.AddSeconds(-deadline);
        }

        DateTimeOffset? due = null;
        var missed = 0;
        for (var t = schedule.Next(earliest, zone); t is { } time && time <= now; t = schedule.Next(time, zone))
        {
            due = time;
            missed++;
        }
        if (due is not { } scheduled)
        {
            return new(null, [], events, next);
        }
        if (missed > 100)
        {
            events.Add(new("Warning", "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"));
        }
        if (cronJob.Spec.StartingDeadlineSeconds is { } d && scheduled.AddSeconds(d) < now)
        {
            events.Add(new("Warning", "MissSchedule", $"Missed scheduled time to start a job: {scheduled.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"));
            return new(null, [], events, next);
        }
        var name = CronJobNames.JobName(cronJob, scheduled);
        if (activeJobs.Any(j => j.Metadata.Name == name))
        {
            return new(null, [], events, next); // already started for this time
        }
        switch (cronJob.Spec.ConcurrencyPolicy)
        {
            case "Forbid" when activeJobs.Count > 0:
                events.Add(new("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid"));
                return new(null, [], events, next);
            case "Replace" when activeJobs.Count > 0:
                return new(scheduled, activeJobs, events, next);
            default:
                return new(scheduled, [], events, next);
        }
    }
}

public static class CronJobNames
{
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    /// <summary>"&lt;cronjob&gt;-&lt;minutes since the epoch&gt;": one name per scheduled time, so a repeated start is refused by the server.</summary>
    public static string JobName(V1CronJob cronJob, DateTimeOffset scheduled) =>
        $"{cronJob.Metadata.Name}-{scheduled.ToUnixTimeSeconds() / 60}";
}
