using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>The Job controller runs pods to completion; the test plays the kubelet by finishing them.</summary>
public sealed class JobTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static V1Job Job(string ns, string name, int? completions, int parallelism, int backoffLimit = 6, string mode = "NonIndexed") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            BackoffLimit = backoffLimit,
            CompletionMode = mode,
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "work", Image = "busybox" }] },
            },
        },
    };

    private async Task<V1Job> GetJobAsync(string ns, string name) => (await cluster.Api.GetAsync<V1Job>(ns, name)).Require();

    private async Task<List<V1Pod>> RunningPodsAsync(string ns, string job) =>
        (await cluster.PodsAsync(ns, "batch.kubernetes.io/job-name=" + job)).Where(p => p.Status?.Phase is not ("Succeeded" or "Failed")).ToList();

    private async Task<IReadOnlyList<Corev1Event>> EventsAsync(string ns) => (await cluster.Api.ListAsync<Corev1Event>(ns)).Require().Items;

    [Fact]
    public async Task A_job_of_three_completions_runs_two_at_a_time_and_completes()
    {
        var ns = await cluster.NewNamespaceAsync("job");
        var job = (await cluster.Api.CreateAsync(Job(ns, "batch", completions: 3, parallelism: 2))).Require();

        var first = await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "batch"), p => p.Count == 2, "two pods");
        foreach (var pod in first)
        {
            Assert.Contains("batch.kubernetes.io/job-tracking", pod.Metadata.Finalizers);
            Assert.Equal(job.Metadata.Uid, pod.Metadata.Labels["batch.kubernetes.io/controller-uid"]);
            var owner = Assert.Single(pod.Metadata.OwnerReferences);
            Assert.Equal(("Job", "batch", true), (owner.Kind, owner.Name, owner.Controller));
            Assert.Equal("Never", pod.Spec.RestartPolicy);
        }
        await cluster.SetRunningAsync(first[0], "10.42.3.1", ready: true);
        await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "batch"), j => j.Status?.Active == 2 && j.Status.Ready == 1 && j.Status.StartTime is not null, "active 2, ready 1");

        // Two succeed: one more pod is started, never more than two at once.
        await cluster.SetFinishedAsync(first[0], succeeded: true);
        await cluster.SetFinishedAsync(first[1], succeeded: true);
        var third = await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "batch"), p => p.Count == 1, "the third pod");
        var counted = await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "batch"), j => j.Status?.Succeeded == 2 && j.Status.Active == 1,
            "two succeeded, the third active");
        Assert.DoesNotContain(counted.Status.Conditions ?? [], c => c.Type == "Complete");
        // Counted pods lose the tracking finalizer.
        await ClusterFixture.EventuallyAsync(() => cluster.Api.GetAsync<V1Pod>(ns, first[0].Metadata.Name),
            p => p.Value?.Metadata.Finalizers is null or { Count: 0 }, "finalizer removed");

        await cluster.SetFinishedAsync(third[0], succeeded: true);
        var done = await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "batch"),
            j => j.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true, "Complete");
        Assert.Equal((3, 0, 0), (done.Status.Succeeded, done.Status.Failed ?? 0, done.Status.Active ?? 0));
        Assert.NotNull(done.Status.CompletionTime);
        Assert.Equal(3, (await cluster.PodsAsync(ns, "batch.kubernetes.io/job-name=batch")).Count);
        await ClusterFixture.EventuallyAsync(() => EventsAsync(ns), e => e.Any(x => x.Reason == "Completed") && e.Count(x => x.Reason == "SuccessfulCreate") >= 1, "events");
    }

    [Fact]
    public async Task A_job_whose_pods_keep_failing_stops_at_its_backoff_limit()
    {
        var ns = await cluster.NewNamespaceAsync("jobf");
        (await cluster.Api.CreateAsync(Job(ns, "flaky", completions: 1, parallelism: 1, backoffLimit: 1))).Require();

        var pod = Assert.Single(await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "flaky"), p => p.Count == 1, "first pod"));
        await cluster.SetFinishedAsync(pod, succeeded: false);
        // One failure is within the limit: a new pod comes after the backoff (10 s).
        var retry = Assert.Single(await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "flaky"), p => p.Count == 1, "retry pod", seconds: 30));
        Assert.NotEqual(pod.Metadata.Name, retry.Metadata.Name);
        Assert.Equal(1, (await GetJobAsync(ns, "flaky")).Status.Failed);
        await cluster.SetFinishedAsync(retry, succeeded: false);

        var failed = await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "flaky"),
            j => j.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true, "Failed");
        var condition = failed.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal("BackoffLimitExceeded", condition.Reason);
        Assert.Equal(2, failed.Status.Failed);
        Assert.Empty(await RunningPodsAsync(ns, "flaky"));
        await ClusterFixture.EventuallyAsync(() => EventsAsync(ns), e => e.Any(x => x.Reason == "BackoffLimitExceeded" && x.Type == "Warning"), "warning event");
    }

    [Fact]
    public async Task An_indexed_job_runs_each_index_once_and_a_suspended_one_runs_nothing()
    {
        var ns = await cluster.NewNamespaceAsync("jobi");
        (await cluster.Api.CreateAsync(Job(ns, "shards", completions: 3, parallelism: 3, mode: "Indexed"))).Require();
        var pods = await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "shards"), p => p.Count == 3, "three indexed pods");
        Assert.Equal(["0", "1", "2"], pods.Select(p => p.Metadata.Annotations["batch.kubernetes.io/job-completion-index"]).Order());
        var one = pods.Single(p => p.Metadata.Labels["batch.kubernetes.io/job-completion-index"] == "1");
        Assert.Equal("shards-1", one.Spec.Hostname);
        Assert.StartsWith("shards-1-", one.Metadata.Name, StringComparison.Ordinal);

        // Index 1 fails and is run again; 0 and 2 succeed.
        await cluster.SetFinishedAsync(one, succeeded: false);
        foreach (var pod in pods.Where(p => p != one))
        {
            await cluster.SetFinishedAsync(pod, succeeded: true);
        }
        await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "shards"), j => j.Status?.CompletedIndexes == "0,2", "indexes 0 and 2 done");
        var again = Assert.Single(await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "shards"), p => p.Count == 1, "index 1 again", seconds: 30));
        Assert.Equal("1", again.Metadata.Labels["batch.kubernetes.io/job-completion-index"]);
        await cluster.SetFinishedAsync(again, succeeded: true);
        var done = await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "shards"),
            j => j.Status?.Conditions?.Any(c => c.Type == "Complete") == true, "Complete");
        Assert.Equal(("0-2", 3, 1), (done.Status.CompletedIndexes, done.Status.Succeeded, done.Status.Failed));

        var paused = Job(ns, "paused", completions: 1, parallelism: 1);
        paused.Spec.Suspend = true;
        (await cluster.Api.CreateAsync(paused)).Require();
        var suspended = await ClusterFixture.EventuallyAsync(() => GetJobAsync(ns, "paused"),
            j => j.Status?.Conditions?.Any(c => c.Type == "Suspended" && c.Status == "True") == true, "Suspended");
        Assert.Null(suspended.Status.StartTime);
        Assert.Empty(await cluster.PodsAsync(ns, "batch.kubernetes.io/job-name=paused"));
        (await cluster.Api.PatchAsync<V1Job>(ns, "paused", PatchType.Merge, """{"spec":{"suspend":false}}""")).Require();
        await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "paused"), p => p.Count == 1, "resumed pod");
    }

    [Fact]
    public async Task A_finished_job_with_a_ttl_is_deleted_and_a_deleted_jobs_pods_lose_the_tracking_finalizer()
    {
        var ns = await cluster.NewNamespaceAsync("jobt");
        var shortLived = Job(ns, "short", completions: 1, parallelism: 1);
        shortLived.Spec.TtlSecondsAfterFinished = 0;
        (await cluster.Api.CreateAsync(shortLived)).Require();
        var pod = Assert.Single(await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "short"), p => p.Count == 1, "pod"));
        await cluster.SetFinishedAsync(pod, succeeded: true);
        await ClusterFixture.EventuallyAsync(() => cluster.Api.GetAsync<V1Job>(ns, "short"), r => r.IsNotFound, "job deleted after its TTL");

        (await cluster.Api.CreateAsync(Job(ns, "dropped", completions: 2, parallelism: 2))).Require();
        var pods = await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "dropped"), p => p.Count == 2, "two pods");
        Assert.All(pods, p => Assert.Contains("batch.kubernetes.io/job-tracking", p.Metadata.Finalizers));
        (await cluster.Api.DeleteAsync<V1Job>(ns, "dropped", "Background")).EnsureOk();
        // Whoever removes the pods (the garbage collector, a user) must not be blocked by the finalizer.
        await ClusterFixture.EventuallyAsync(() => RunningPodsAsync(ns, "dropped"),
            p => p.All(x => x.Metadata.Finalizers is null or { Count: 0 }), "finalizers released");
    }
}
