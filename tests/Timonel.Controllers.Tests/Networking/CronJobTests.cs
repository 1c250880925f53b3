using k8s.Models;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>
/// The CronJob controller against a real server. Waiting for a real minute is avoided by
/// recording an earlier lastScheduleTime (as after a controller outage): the missed time is due at once.
/// </summary>
public sealed class CronJobTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private async Task<V1CronJob> GetAsync(string ns) => (await cluster.Api.GetAsync<V1CronJob>(ns, "tick")).Require();

    [Fact]
    public async Task A_missed_time_starts_a_job_that_is_tracked_until_it_completes()
    {
        var ns = await cluster.NewNamespaceAsync("cron");
        // Hourly at the minute that began two minutes ago: that time is due at once after the
        // recorded lastScheduleTime (three minutes ago), and the schedule cannot tick by itself
        // during the test (a per-minute schedule could start a job of its own first).
        var now = DateTime.UtcNow;
        var missed = now.AddMinutes(-3);
        var minute = now.AddMinutes(-2).Minute;
        var cronJob = (await cluster.Api.CreateAsync(new V1CronJob
        {
            Metadata = new V1ObjectMeta { Name = "tick", NamespaceProperty = ns },
            Spec = new V1CronJobSpec
            {
                Schedule = $"{minute} * * * *",
                ConcurrencyPolicy = "Forbid",
                JobTemplate = new V1JobTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["kind"] = "tick" } },
                    Spec = new V1JobSpec
                    {
                        Template = new V1PodTemplateSpec
                        {
                            Spec = new V1PodSpec { RestartPolicy = "OnFailure", Containers = [new V1Container { Name = "tick", Image = "busybox" }] },
                        },
                    },
                },
            },
        })).Require();

        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(ns);
            current.Status ??= new V1CronJobStatus();
            current.Status.LastScheduleTime = missed;
            var written = await cluster.Api.UpdateStatusAsync(current);
            if (written.Ok || attempt > 5)
            {
                written.Require();
                break;
            }
        }

        var started = await ClusterFixture.EventuallyAsync(() => GetAsync(ns), c => c.Status?.Active is { Count: 1 }, "an active job");
        var reference = started.Status.Active.Single();
        var job = (await cluster.Api.GetAsync<V1Job>(ns, reference.Name)).Require();
        var scheduled = new DateTimeOffset(started.Status.LastScheduleTime!.Value, TimeSpan.Zero);
        Assert.Equal(0, scheduled.Second);
        Assert.True(scheduled > new DateTimeOffset(missed, TimeSpan.Zero));
        Assert.Equal($"tick-{scheduled.ToUnixTimeSeconds() / 60}", job.Metadata.Name);
        Assert.Equal("tick", job.Metadata.Labels["kind"]);
        Assert.Equal(("CronJob", cronJob.Metadata.Uid), (job.Metadata.OwnerReferences.Single().Kind, job.Metadata.OwnerReferences.Single().Uid));
        Assert.True(job.Metadata.Annotations.ContainsKey("batch.kubernetes.io/cronjob-scheduled-timestamp"));

        // The job controller starts its pod; the "kubelet" finishes it.
        var pod = Assert.Single(await ClusterFixture.EventuallyAsync(() => cluster.PodsAsync(ns, "batch.kubernetes.io/job-name=" + job.Metadata.Name), p => p.Count == 1, "the job's pod"));
        await cluster.SetFinishedAsync(pod, succeeded: true);
        var done = await ClusterFixture.EventuallyAsync(() => GetAsync(ns), c => c.Status is { Active: null or { Count: 0 }, LastSuccessfulTime: not null }, "job seen completed");
        Assert.Equal(scheduled.UtcDateTime, done.Status.LastScheduleTime);
        var events = await ClusterFixture.EventuallyAsync(async () => (await cluster.Api.ListAsync<Corev1Event>(ns)).Require().Items,
            e => e.Any(x => x.Reason == "SawCompletedJob"), "SawCompletedJob event");
        Assert.Contains(events, e => e.Reason == "SuccessfulCreate" && e.InvolvedObject.Kind == "CronJob" && e.Message == $"Created job {job.Metadata.Name}");
    }
}
