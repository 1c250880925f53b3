using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>
/// The DaemonSet controller puts one pod on each eligible node. The test is the scheduler (it
/// binds each pod to the node its affinity names) and the kubelet (it marks bound pods ready).
/// </summary>
public sealed class DaemonSetTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private async Task CreateNodeAsync(string name, V1Taint? taint = null) =>
        (await cluster.Api.CreateAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
            Spec = new V1NodeSpec { Taints = taint is null ? null : [taint] },
        })).Require();

    private async Task<List<V1Pod>> LivePodsAsync(string ns) =>
        (await cluster.PodsAsync(ns, "app=agent")).Where(p => p.Metadata.DeletionTimestamp is null).ToList();

    private static string Target(V1Pod pod) =>
        pod.Spec.NodeName ?? pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchFields.Single().Values.Single();

    /// <summary>Binds every unbound pod to its target node and reports it running and ready.</summary>
    private async Task ScheduleAndStartAsync(string ns, int ip)
    {
        foreach (var pod in await LivePodsAsync(ns))
        {
            if (pod.Spec.NodeName is null)
            {
                await cluster.Api.Kubernetes.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding
                {
                    Metadata = new V1ObjectMeta { Name = pod.Metadata.Name },
                    Target = new V1ObjectReference { Kind = "Node", Name = Target(pod) },
                }, pod.Metadata.Name, ns);
                await cluster.SetRunningAsync(pod, $"10.42.9.{ip++}", ready: true);
            }
        }
    }

    private async Task<V1DaemonSet> GetAsync(string ns) => (await cluster.Api.GetAsync<V1DaemonSet>(ns, "agent")).Require();

    [Fact]
    public async Task One_pod_per_eligible_node_and_a_rollout_one_node_at_a_time()
    {
        var ns = await cluster.NewNamespaceAsync("ds");
        var prefix = ns + "-";
        await CreateNodeAsync(prefix + "a");
        await CreateNodeAsync(prefix + "b");
        await CreateNodeAsync(prefix + "gpu", new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" });
        await CreateNodeAsync(prefix + "cordoned", new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" });
        var ds = (await cluster.Api.CreateAsync(new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = ns },
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "agent" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "agent" } },
                    Spec = new V1PodSpec
                    {
                        TerminationGracePeriodSeconds = 0,
                        // Only this test's nodes (node affinity on their hostname label).
                        Affinity = new V1Affinity
                        {
                            NodeAffinity = new V1NodeAffinity
                            {
                                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                                {
                                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = [prefix + "a", prefix + "b", prefix + "gpu", prefix + "cordoned", prefix + "c"] }] }],
                                },
                            },
                        },
                        Containers = [new V1Container { Name = "agent", Image = "busybox:1" }],
                    },
                },
            },
        })).Require();

        // The tainted node is skipped; the unschedulable one is not (daemons tolerate it by default).
        var pods = await ClusterFixture.EventuallyAsync(() => LivePodsAsync(ns), p => p.Count == 3, "three daemon pods");
        Assert.Equal([prefix + "a", prefix + "b", prefix + "cordoned"], pods.Select(Target).Order(StringComparer.Ordinal));
        var first = pods[0];
        Assert.Null(first.Spec.NodeName); // the scheduler binds it
        Assert.Contains(first.Spec.Tolerations, t => t.Key == "node.kubernetes.io/not-ready" && t.Effect == "NoExecute" && t.OperatorProperty == "Exists");
        Assert.Contains(first.Spec.Tolerations, t => t.Key == "node.kubernetes.io/disk-pressure" && t.Effect == "NoSchedule");
        Assert.Equal("1", first.Metadata.Labels["pod-template-generation"]);
        var oldHash = first.Metadata.Labels["controller-revision-hash"];
        Assert.Equal(("DaemonSet", "agent"), (first.Metadata.OwnerReferences.Single().Kind, first.Metadata.OwnerReferences.Single().Name));

        await ScheduleAndStartAsync(ns, 1);
        var status = (await ClusterFixture.EventuallyAsync(() => GetAsync(ns), d => d.Status?.NumberAvailable == 3, "three available")).Status;
        Assert.Equal((3, 3, 3, 3, 1L), (status.DesiredNumberScheduled, status.CurrentNumberScheduled, status.NumberReady, status.UpdatedNumberScheduled ?? 0, status.ObservedGeneration ?? 0));

        // A new eligible node gets its pod.
        await CreateNodeAsync(prefix + "c");
        pods = await ClusterFixture.EventuallyAsync(() => LivePodsAsync(ns), p => p.Count == 4, "a pod for the new node");
        Assert.Contains(prefix + "c", pods.Select(Target));
        await ScheduleAndStartAsync(ns, 10);
        await ClusterFixture.EventuallyAsync(() => GetAsync(ns), d => d.Status?.NumberAvailable == 4, "four available");

        // A template change rolls out with maxUnavailable 1 (the default): one old pod at a time.
        (await cluster.Api.PatchAsync<V1DaemonSet>(ns, "agent", PatchType.StrategicMerge,
            """{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"busybox:2"}]}}}}""")).Require();
        for (var round = 0; round < 4; round++)
        {
            var replaced = await ClusterFixture.EventuallyAsync(() => LivePodsAsync(ns),
                p => p.Count(x => x.Metadata.Labels["controller-revision-hash"] != oldHash) == round + 1, $"new pod {round + 1}");
            var newHashPods = replaced.Where(x => x.Metadata.Labels["controller-revision-hash"] != oldHash).ToList();
            Assert.Equal(3 - round, replaced.Count - newHashPods.Count);
            Assert.All(newHashPods, p => Assert.Equal("2", p.Metadata.Labels["pod-template-generation"]));
            // While the new pod is not ready, no other old pod may go.
            await Task.Delay(1500);
            Assert.Equal(3 - round, (await LivePodsAsync(ns)).Count(x => x.Metadata.Labels["controller-revision-hash"] == oldHash));
            await ScheduleAndStartAsync(ns, 20 + (round * 2));
        }
        status = (await ClusterFixture.EventuallyAsync(() => GetAsync(ns), d => d.Status?.UpdatedNumberScheduled == 4 && d.Status.NumberAvailable == 4, "rolled out")).Status;
        Assert.Equal(2L, status.ObservedGeneration);
        var revisions = (await cluster.Api.ListAsync<V1ControllerRevision>(ns)).Require().Items;
        Assert.Equal([1L, 2L], revisions.Select(r => r.Revision).Order());
        Assert.All(revisions, r => Assert.StartsWith("agent-", r.Metadata.Name, StringComparison.Ordinal));
        Assert.Contains(revisions, r => r.Metadata.Labels["controller-revision-hash"] == oldHash);
    }
}
