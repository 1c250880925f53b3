using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Workloads;

[Collection("Workloads")]
public sealed class DeploymentRolloutTests(WorkloadsFixture fx)
{
    private ApiConnection Api => fx.Api;

    [Fact]
    public async Task Rolling_update_keeps_surge_and_availability_then_undo_restores_and_history_is_pruned()
    {
        var ns = await fx.NewNamespaceAsync("roll");
        await using var sim = new PodReadinessSimulator(Api, ns);
        (await Api.CreateAsync(WorkloadsFixture.Deployment(ns, "web", 4, "busybox:1", "1", "0", historyLimit: 1))).Require();
        await WaitCompleteAsync(ns, "web", "busybox:1");

        // Sample every 100 ms while the image changes: pods of the deployment that are not terminating, and the ready ones.
        using var stopSampling = new CancellationTokenSource();
        var samples = new List<(int Pods, int Available)>();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                samples.Add(await CountPodsAsync(ns, "web"));
                await Task.Delay(100);
            }
        });
        await SetImageAsync(ns, "web", "busybox:2");
        var (code, output) = await fx.KubectlAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        await stopSampling.CancelAsync();
        await sampler;
        Assert.True(code == 0, output);
        Assert.Contains("successfully rolled out", output);
        Assert.True(samples.Count > 3, $"only {samples.Count} samples");
        Assert.True(samples.Max(s => s.Pods) <= 5, "more than replicas + maxSurge pods: " + string.Join(" ", samples));
        Assert.True(samples.Min(s => s.Available) >= 4, "fewer than replicas - maxUnavailable available: " + string.Join(" ", samples));
        var d = await WaitCompleteAsync(ns, "web", "busybox:2");
        Assert.Equal(d.Metadata.Generation, d.Status.ObservedGeneration);
        Assert.Equal("2", d.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Contains(d.Status.Conditions, c => c.Type == "Available" && c.Status == "True" && c.Reason == "MinimumReplicasAvailable");
        Assert.Contains(d.Status.Conditions, c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable");

        // A third template: with revisionHistoryLimit 1, only the newest old set survives.
        await SetImageAsync(ns, "web", "busybox:3");
        await WaitCompleteAsync(ns, "web", "busybox:3");
        var sets = await WorkloadsFixture.EventuallyAsync(() => ListSetsAsync(ns), s => s.Count == 2, "old replica sets pruned to the history limit");
        Assert.Contains(sets, rs => rs.Spec.Template.Spec.Containers[0].Image == "busybox:2" && rs.Spec.Replicas == 0);
        Assert.All(sets, rs => Assert.StartsWith("web-", rs.Metadata.Name, StringComparison.Ordinal));
        Assert.All(sets, rs => Assert.Equal(rs.Metadata.Labels["pod-template-hash"], rs.Metadata.Name["web-".Length..]));

        // kubectl rollout undo goes back to the previous template (busybox:2), as revision 4.
        (code, output) = await fx.KubectlAsync("rollout", "undo", "deployment/web", "-n", ns);
        Assert.True(code == 0, output);
        d = await WaitCompleteAsync(ns, "web", "busybox:2");
        Assert.Equal("4", d.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        var (history, historyOutput) = await fx.KubectlAsync("rollout", "history", "deployment/web", "-n", ns);
        Assert.True(history == 0, historyOutput);
        Assert.Contains("3 ", historyOutput);
        Assert.Contains("4 ", historyOutput);
    }

    [Fact]
    public async Task Scaling_mid_rollout_is_proportional()
    {
        var ns = await fx.NewNamespaceAsync("prop");
        // Only the first template's pods ever become ready, so the rollout stalls where upstream's budget says.
        await using var sim = new PodReadinessSimulator(Api, ns, p => p.Spec.Containers[0].Image == "busybox:1");
        (await Api.CreateAsync(WorkloadsFixture.Deployment(ns, "big", 10, "busybox:1", "3", "2"))).Require();
        await WaitCompleteAsync(ns, "big", "busybox:1");
        await SetImageAsync(ns, "big", "busybox:2");
        // maxSurge 3 lets the new set grow to 3, maxUnavailable 2 lets the old shrink to 8; then the new grows to 5 (13 pods).
        await WaitSizesAsync(ns, old: 8, updated: 5);
        (await Api.PatchAsync<V1Deployment>(ns, "big", PatchType.Merge, "{\"spec\":{\"replicas\":15}}")).Require();
        // 5 more pods allowed (18 = 15 + 3 instead of 13): the old set's share is round(8 * 18 / 13) - 8 = 3,
        // the new set's round(5 * 18 / 13) - 5 = 2.
        await WaitSizesAsync(ns, old: 11, updated: 7);
        var sets = await ListSetsAsync(ns);
        Assert.All(sets, rs => Assert.Equal("15", rs.Metadata.Annotations["deployment.kubernetes.io/desired-replicas"]));
        Assert.All(sets, rs => Assert.Equal("18", rs.Metadata.Annotations["deployment.kubernetes.io/max-replicas"]));
    }

    [Fact]
    public async Task A_deleted_pod_is_replaced_and_kubectl_scale_works()
    {
        var ns = await fx.NewNamespaceAsync("scale");
        await using var sim = new PodReadinessSimulator(Api, ns);
        (await Api.CreateAsync(WorkloadsFixture.Deployment(ns, "app", 3, "busybox:1", "25%", "25%"))).Require();
        await WaitCompleteAsync(ns, "app", "busybox:1");
        var before = await OwnedPodsAsync(ns);
        var victim = before[0];
        await Api.Kubernetes.CoreV1.DeleteNamespacedPodAsync(victim.Metadata.Name, ns, gracePeriodSeconds: 0);
        var after = await WorkloadsFixture.EventuallyAsync(() => OwnedPodsAsync(ns),
            pods => pods.Count == 3 && pods.All(p => p.Metadata.Name != victim.Metadata.Name), "a replacement pod");
        Assert.Single(after, p => before.All(b => b.Metadata.Name != p.Metadata.Name));

        var (code, output) = await fx.KubectlAsync("scale", "deployment/app", "--replicas=5", "-n", ns);
        Assert.True(code == 0, output);
        await WaitCompleteAsync(ns, "app", "busybox:1", replicas: 5);
        Assert.Equal(5, (await OwnedPodsAsync(ns)).Count);
        (code, output) = await fx.KubectlAsync("scale", "deployment/app", "--replicas=2", "-n", ns);
        Assert.True(code == 0, output);
        await WaitCompleteAsync(ns, "app", "busybox:1", replicas: 2);
        await WorkloadsFixture.EventuallyAsync(() => OwnedPodsAsync(ns), p => p.Count == 2, "two pods after scaling down");
        var events = await Api.Kubernetes.CoreV1.ListNamespacedEventAsync(ns);
        Assert.Contains(events.Items, e => e.Reason == "ScalingReplicaSet" && e.Message.StartsWith("Scaled down replica set app-", StringComparison.Ordinal)
            && e.Message.EndsWith(" from 5 to 2", StringComparison.Ordinal));
    }

    private async Task<V1Deployment> WaitCompleteAsync(string ns, string name, string image, int? replicas = null) =>
        await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1Deployment>(ns, name)).Require(), d =>
            d.Spec.Template.Spec.Containers[0].Image == image
            && d.Status?.ObservedGeneration == d.Metadata.Generation
            && d.Status!.UpdatedReplicas == (replicas ?? d.Spec.Replicas)
            && d.Status.Replicas == d.Spec.Replicas && d.Status.AvailableReplicas == d.Spec.Replicas
            && (replicas is null || d.Spec.Replicas == replicas), $"deployment {name} complete on {image}");

    private async Task SetImageAsync(string ns, string name, string image) =>
        (await Api.PatchAsync<V1Deployment>(ns, name, PatchType.StrategicMerge,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"" + image + "\"}]}}}}")).Require();

    private async Task<List<V1ReplicaSet>> ListSetsAsync(string ns) =>
        (await Api.ListAsync<V1ReplicaSet>(ns)).Require().Items;

    private async Task<List<V1Pod>> OwnedPodsAsync(string ns) =>
        (await Api.ListAsync<V1Pod>(ns)).Require().Items
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == "ReplicaSet") == true)
            .ToList();

    /// <summary>Non-terminating pods controlled by a ReplicaSet of the deployment, and how many are ready.</summary>
    private async Task<(int Pods, int Available)> CountPodsAsync(string ns, string deployment)
    {
        var sets = (await ListSetsAsync(ns))
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Name == deployment) == true)
            .Select(rs => rs.Metadata.Uid).ToHashSet();
        var pods = (await Api.ListAsync<V1Pod>(ns)).Require().Items
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(o => o.Controller == true && sets.Contains(o.Uid)) == true)
            .ToList();
        return (pods.Count, pods.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true));
    }

    private async Task WaitSizesAsync(string ns, int old, int updated)
    {
        var want = new[] { old, updated };
        var sets = await WorkloadsFixture.EventuallyAsync(() => ListSetsAsync(ns),
            s => s.OrderBy(rs => rs.Spec.Template.Spec.Containers[0].Image, StringComparer.Ordinal).Select(rs => rs.Spec.Replicas ?? 0).SequenceEqual(want),
            $"replica sets sized old {old}, new {updated}");
        Assert.Equal(2, sets.Count);
    }
}
