using k8s.Models;
using Timonel.Controllers.CronJobs;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>CronJob decisions (due time, concurrency policy, deadlines) on a fixed clock.</summary>
public sealed class CronJobPlannerTests
{
    private static readonly DateTimeOffset Created = new(2026, 4, 1, 12, 0, 30, TimeSpan.Zero);

    private static V1CronJob CronJob(string policy, string schedule = "*/5 * * * *", DateTimeOffset? lastScheduled = null, long? startingDeadline = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "report", NamespaceProperty = "ns", CreationTimestamp = Created.UtcDateTime },
        Spec = new V1CronJobSpec { Schedule = schedule, ConcurrencyPolicy = policy, StartingDeadlineSeconds = startingDeadline },
        Status = new V1CronJobStatus { LastScheduleTime = lastScheduled?.UtcDateTime },
    };

    private static V1Job Job(string name) => new() { Metadata = new V1ObjectMeta { Name = name, Uid = name + "-uid" } };

    private static CronDecision Decide(V1CronJob cj, DateTimeOffset now, params V1Job[] active)
    {
        Assert.True(CronExpression.TryParse(cj.Spec.Schedule, out var schedule, out _));
        return CronJobPlanner.Decide(cj, active, schedule!, TimeZoneInfo.Utc, now);
    }

    [Fact]
    public void Nothing_is_due_before_the_first_time_and_the_wake_up_is_that_time()
    {
        var decision = Decide(CronJob("Allow"), Created.AddMinutes(2));
        Assert.Null(decision.ScheduledTime);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 12, 5, 0, TimeSpan.Zero), decision.NextWake);
    }

    [Fact]
    public void The_most_recent_missed_time_is_due_and_names_the_job_in_minutes_since_the_epoch()
    {
        var now = new DateTimeOffset(2026, 4, 1, 12, 17, 10, TimeSpan.Zero);
        var decision = Decide(CronJob("Allow"), now);
        var due = new DateTimeOffset(2026, 4, 1, 12, 15, 0, TimeSpan.Zero);
        Assert.Equal(due, decision.ScheduledTime);
        Assert.Equal($"report-{due.ToUnixTimeSeconds() / 60}", CronJobNames.JobName(CronJob("Allow"), due));
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 12, 20, 0, TimeSpan.Zero), decision.NextWake);
        // Allow runs beside an active job.
        Assert.Equal(due, Decide(CronJob("Allow"), now, Job("report-1")).ScheduledTime);
    }

    [Fact]
    public void Forbid_waits_for_the_active_job_and_then_still_starts_the_missed_time()
    {
        var last = new DateTimeOffset(2026, 4, 1, 12, 10, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 4, 1, 12, 15, 5, TimeSpan.Zero);
        var blocked = Decide(CronJob("Forbid", lastScheduled: last), now, Job("report-old"));
        Assert.Null(blocked.ScheduledTime);
        Assert.Empty(blocked.DeleteActive);
        Assert.Contains(blocked.Events, e => e.Reason == "JobAlreadyActive");

        // The active job ended a minute later: 12:15 is still due (lastScheduleTime did not move).
        var freed = Decide(CronJob("Forbid", lastScheduled: last), now.AddMinutes(1));
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 12, 15, 0, TimeSpan.Zero), freed.ScheduledTime);
        // Unless the starting deadline has passed by then.
        Assert.Null(Decide(CronJob("Forbid", lastScheduled: last, startingDeadline: 30), now.AddMinutes(1)).ScheduledTime);
    }

    [Fact]
    public void Replace_deletes_the_active_jobs_and_starts_a_new_one()
    {
        var last = new DateTimeOffset(2026, 4, 1, 12, 10, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 4, 1, 12, 15, 5, TimeSpan.Zero);
        var old = Job("report-old");
        var decision = Decide(CronJob("Replace", lastScheduled: last), now, old);
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 12, 15, 0, TimeSpan.Zero), decision.ScheduledTime);
        Assert.Same(old, Assert.Single(decision.DeleteActive));
        // Without an active job there is nothing to replace.
        Assert.Empty(Decide(CronJob("Replace", lastScheduled: last), now).DeleteActive);
    }

    [Fact]
    public void A_time_already_started_is_not_started_again_and_suspend_starts_nothing()
    {
        var last = new DateTimeOffset(2026, 4, 1, 12, 10, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 4, 1, 12, 15, 5, TimeSpan.Zero);
        var cj = CronJob("Replace", lastScheduled: last);
        var running = Job(CronJobNames.JobName(cj, new DateTimeOffset(2026, 4, 1, 12, 15, 0, TimeSpan.Zero)));
        var again = Decide(cj, now, running);
        Assert.Null(again.ScheduledTime);
        Assert.Empty(again.DeleteActive);

        cj.Spec.Suspend = true;
        Assert.Null(Decide(cj, now).ScheduledTime);
    }

    [Fact]
    public void Too_many_missed_times_warn_but_the_latest_still_runs()
    {
        var now = Created.AddDays(1);
        var decision = Decide(CronJob("Allow", schedule: "* * * * *"), now);
        Assert.Equal(new DateTimeOffset(2026, 4, 2, 12, 0, 0, TimeSpan.Zero), decision.ScheduledTime);
        Assert.Contains(decision.Events, e => e.Reason == "TooManyMissedTimes" && e.Type == "Warning");
        // A starting deadline bounds how far back the controller looks: no warning.
        Assert.DoesNotContain(Decide(CronJob("Allow", schedule: "* * * * *", startingDeadline: 200), now).Events, e => e.Reason == "TooManyMissedTimes");
    }
}
