using k8s.Models;

namespace Timonel.Scheduler.E2E.Tests;

[Collection(ClusterCollection.Name)]
public sealed class PreemptionTests(Cluster cluster)
{
    [Fact]
    public async Task A_high_priority_pod_evicts_a_low_priority_one_is_nominated_and_bound()
    {
        await using var nodes = await cluster.AddNodesAsync("preempt-", 1, cpu: "2");
        await CreatePriorityClassAsync("e2e-low", 100);
        await CreatePriorityClassAsync("e2e-high", 1000);
        var ns = await cluster.NewNamespaceAsync("preempt");
        await cluster.CreatePodAsync(Pods.Make(ns, "low", cpu: "1500m", configure: s => s.PriorityClassName = "e2e-low"));
        Assert.Equal(nodes[0], await cluster.WaitBoundAsync(ns, "low"));
        // Priority admission resolved the class into the pod's priority.
        Assert.Equal(100, (await cluster.Api.GetAsync<V1Pod>(ns, "low")).Require().Spec.Priority);

        await cluster.CreatePodAsync(Pods.Make(ns, "high", cpu: "1500m", configure: s => s.PriorityClassName = "e2e-high"));

        Assert.Equal(nodes[0], await cluster.WaitBoundAsync(ns, "high"));
        var preempted = await cluster.WaitEventAsync(ns, "low", "Preempted");
        Assert.Contains(nodes[0], preempted.Message);
        await Eventually.WaitAsync(async () => (await cluster.Api.GetAsync<V1Pod>(ns, "low")).IsNotFound, () => "the victim was not deleted");
        await Eventually.WaitAsync(async () => (await cluster.Api.GetAsync<V1Pod>(ns, "high")).Require().Status?.NominatedNodeName == nodes[0],
            () => "status.nominatedNodeName was not set");
        var failed = await cluster.WaitEventAsync(ns, "high", "FailedScheduling");
        Assert.StartsWith("0/1 nodes are available: 1 Insufficient cpu.", failed.Message);
        using var kubectl = new Kubectl(cluster.Server);
        var rows = Kubectl.Rows(await kubectl.OkAsync("get", "pods", "-n", ns, "-o", "wide"));
        var high = Assert.Single(rows.Skip(1));
        Assert.Equal(nodes[0], high[Array.IndexOf(rows[0], "NODE")]);
        Assert.Equal(nodes[0], high[Array.IndexOf(rows[0], "NOMINATED NODE")]);
    }

    private async Task CreatePriorityClassAsync(string name, int value)
    {
        var created = await cluster.Api.CreateAsync(new V1PriorityClass { ApiVersion = "scheduling.k8s.io/v1", Kind = "PriorityClass", Metadata = new V1ObjectMeta { Name = name }, Value = value });
        Assert.True(created.Ok || created.IsAlreadyExists, created.ToString());
    }
}
