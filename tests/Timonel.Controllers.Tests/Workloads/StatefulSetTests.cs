using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Workloads;

/// <summary>
/// The StatefulSet controller on a real server: stable names in order, scale down from the top,
/// rolling updates one pod at a time, Parallel management, a claim per pod from the templates.
/// </summary>
[Collection("Workloads")]
public sealed class StatefulSetTests(WorkloadsFixture fx)
{
    private ApiConnection Api => fx.Api;

    [Fact]
    public async Task Pods_come_one_at_a_time_in_order_each_waiting_for_the_one_before_to_be_ready()
    {
        var ns = await fx.NewNamespaceAsync("sts");
        await using var sim = new PodReadinessSimulator(Api, ns, p => p.Metadata.Name != "db-1");
        (await Api.CreateAsync(Set(ns, "db", 3))).Require();

        await WorkloadsFixture.EventuallyAsync(() => NamesAsync(ns), n => n == "db-0,db-1", "db-0 and db-1, db-1 not ready");
        await Task.Delay(1000);
        Assert.Equal("db-0,db-1", await NamesAsync(ns));

        sim.ShouldBeReady = _ => true;
        await WorkloadsFixture.EventuallyAsync(() => NamesAsync(ns), n => n == "db-0,db-1,db-2", "db-2 once db-1 is ready");
        var pod = (await Api.GetAsync<V1Pod>(ns, "db-2")).Require();
        Assert.Equal("db-2", pod.Spec.Hostname);
        Assert.Equal("db", pod.Spec.Subdomain);
        Assert.Equal("db-2", pod.Metadata.Labels["statefulset.kubernetes.io/pod-name"]);
        Assert.Equal("2", pod.Metadata.Labels["apps.kubernetes.io/pod-index"]);
        Assert.Equal("StatefulSet", pod.Metadata.OwnerReferences.Single().Kind);
        var status = await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1StatefulSet>(ns, "db")).Require().Status,
            s => s?.ReadyReplicas == 3, "three ready replicas in the status");
        Assert.Equal(status.UpdateRevision, status.CurrentRevision);
        Assert.Equal(pod.Metadata.Labels["controller-revision-hash"], status.UpdateRevision);
    }

    [Fact]
    public async Task Scaling_down_removes_the_highest_ordinals_and_keeps_the_rest()
    {
        var ns = await fx.NewNamespaceAsync("sts");
        await using var sim = new PodReadinessSimulator(Api, ns);
        (await Api.CreateAsync(Set(ns, "web", 3))).Require();
        await WorkloadsFixture.EventuallyAsync(() => NamesAsync(ns), n => n == "web-0,web-1,web-2", "three pods");
        var first = (await Api.GetAsync<V1Pod>(ns, "web-0")).Require().Metadata.Uid;

        (await Api.PatchAsync<V1StatefulSet>(ns, "web", PatchType.Merge, """{"spec":{"replicas":1}}""")).Require();
        await WorkloadsFixture.EventuallyAsync(() => NamesAsync(ns), n => n == "web-0", "only web-0 left");
        Assert.Equal(first, (await Api.GetAsync<V1Pod>(ns, "web-0")).Require().Metadata.Uid);
    }

    [Fact]
    public async Task A_template_change_replaces_every_pod_from_the_highest_ordinal_down()
    {
        var ns = await fx.NewNamespaceAsync("sts");
        await using var sim = new PodReadinessSimulator(Api, ns);
        (await Api.CreateAsync(Set(ns, "app", 3))).Require();
        await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1StatefulSet>(ns, "app")).Require().Status,
            s => s?.ReadyReplicas == 3, "three ready replicas");
        var before = (await PodsAsync(ns)).ToDictionary(p => p.Metadata.Name, p => p.Metadata.Uid);
        var oldRevision = (await Api.GetAsync<V1StatefulSet>(ns, "app")).Require().Status.UpdateRevision;

        (await Api.PatchAsync<V1StatefulSet>(ns, "app", PatchType.Merge,
            """{"spec":{"template":{"metadata":{"annotations":{"version":"2"}}}}}""")).Require();
        var status = await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1StatefulSet>(ns, "app")).Require().Status,
            s => s is not null && s.UpdateRevision != oldRevision && s.CurrentRevision == s.UpdateRevision && s.UpdatedReplicas == 3 && s.ReadyReplicas == 3,
            "the rollout complete");
        var after = await PodsAsync(ns);
        Assert.All(after, p =>
        {
            Assert.Equal(status.UpdateRevision, p.Metadata.Labels["controller-revision-hash"]);
            Assert.Equal("2", p.Metadata.Annotations["version"]);
        });
        // Replaced one at a time from the top: app-2 first, app-0 last (in the order the deletions were written).
        var events = (await Api.ListAsync<Corev1Event>(ns)).Require().Items;
        var deleted = events.Where(e => e.Reason == "SuccessfulDelete" && e.InvolvedObject.Name == "app")
            .OrderBy(e => long.Parse(e.Metadata.ResourceVersion)).Select(e => e.Message).ToList();
        Assert.Equal(["delete Pod app-2 in StatefulSet app successful", "delete Pod app-1 in StatefulSet app successful",
            "delete Pod app-0 in StatefulSet app successful"], deleted);
        Assert.All(after, p => Assert.NotEqual(before[p.Metadata.Name], p.Metadata.Uid));
        var revisions = await Api.ListAsync<V1ControllerRevision>(ns);
        Assert.Equal(2, revisions.Require().Items.Count);
    }

    [Fact]
    public async Task A_partition_stops_the_rollout_and_a_deleted_pod_below_it_comes_back_at_the_old_revision()
    {
        var ns = await fx.NewNamespaceAsync("sts");
        await using var sim = new PodReadinessSimulator(Api, ns);
        var set = Set(ns, "part", 3);
        set.Spec.UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = 2 } };
        (await Api.CreateAsync(set)).Require();
        var first = await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1StatefulSet>(ns, "part")).Require().Status,
            s => s?.ReadyReplicas == 3, "three ready replicas");

        (await Api.PatchAsync<V1StatefulSet>(ns, "part", PatchType.Merge,
            """{"spec":{"template":{"metadata":{"annotations":{"version":"2"}}}}}""")).Require();
        var status = await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1StatefulSet>(ns, "part")).Require().Status,
            s => s is not null && s.UpdateRevision != first.UpdateRevision && s.UpdatedReplicas == 1 && s.ReadyReplicas == 3,
            "part-2 updated");
        Assert.Equal(first.UpdateRevision, status.CurrentRevision);

        // part-0 is below the partition: deleted, it is created again from the current revision.
        var old = (await Api.GetAsync<V1Pod>(ns, "part-0")).Require();
        (await Api.DeleteAsync<V1Pod>(ns, "part-0")).Require();
        var back = await WorkloadsFixture.EventuallyAsync(async () => (await Api.GetAsync<V1Pod>(ns, "part-0")).Value,
            p => p is not null && p.Metadata.Uid != old.Metadata.Uid, "part-0 created again");
        Assert.Equal(first.UpdateRevision, back!.Metadata.Labels["controller-revision-hash"]);
        Assert.False(back.Metadata.Annotations?.ContainsKey("version") ?? false);
        var updated = (await Api.GetAsync<V1Pod>(ns, "part-2")).Require();
        Assert.Equal(status.UpdateRevision, updated.Metadata.Labels["controller-revision-hash"]);
        Assert.Equal("2", updated.Metadata.Annotations["version"]);
        Assert.Equal(first.UpdateRevision, (await Api.GetAsync<V1Pod>(ns, "part-1")).Require().Metadata.Labels["controller-revision-hash"]);
    }

    [Fact]
    public async Task Parallel_creates_all_pods_at_once_and_each_gets_its_own_claim()
    {
        var ns = await fx.NewNamespaceAsync("sts");
        await using var sim = new PodReadinessSimulator(Api, ns, _ => false);
        var set = Set(ns, "cache", 3);
        set.Spec.PodManagementPolicy = "Parallel";
        set.Spec.VolumeClaimTemplates =
        [
            new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data" },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                },
            },
        ];
        (await Api.CreateAsync(set)).Require();

        await WorkloadsFixture.EventuallyAsync(() => NamesAsync(ns), n => n == "cache-0,cache-1,cache-2", "three pods though none is ready");
        var claims = (await Api.ListAsync<V1PersistentVolumeClaim>(ns)).Require().Items.Select(c => c.Metadata.Name).Order().ToList();
        Assert.Equal(["data-cache-0", "data-cache-1", "data-cache-2"], claims);
        var pod = (await Api.GetAsync<V1Pod>(ns, "cache-1")).Require();
        Assert.Equal("data-cache-1", pod.Spec.Volumes.Single(v => v.Name == "data").PersistentVolumeClaim.ClaimName);
    }

    private static V1StatefulSet Set(string ns, string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = name,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox:1" }] },
            },
        },
    };

    private async Task<List<V1Pod>> PodsAsync(string ns) =>
        (await Api.ListAsync<V1Pod>(ns)).Require().Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();

    private async Task<string> NamesAsync(string ns) =>
        string.Join(',', (await PodsAsync(ns)).Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
}
