using k8s.Models;

namespace Timonel.Scheduler.E2E.Tests;

/// <summary>The simulated agent's side of a placement: a bound pod runs once its node has a podCIDR.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SimulatedNodeTests(Cluster cluster)
{
    [Fact]
    public async Task A_pod_bound_before_its_node_has_a_podCIDR_runs_once_the_node_gets_one()
    {
        await using var nodes = await cluster.AddNodesAsync("cidr-", 1);
        var ns = await cluster.NewNamespaceAsync("cidr");
        await cluster.CreatePodAsync(Pods.Make(ns, "early"));
        Assert.Equal(nodes[0], await cluster.WaitBoundAsync(ns, "early"));
        Assert.NotEqual("Running", (await cluster.Api.GetAsync<V1Pod>(ns, "early")).Require().Status?.Phase);

        await cluster.PatchNodeAsync(nodes[0], """{"spec":{"podCIDR":"10.42.7.0/24","podCIDRs":["10.42.7.0/24"]}}""");

        V1Pod? pod = null;
        await Eventually.WaitAsync(async () =>
        {
            pod = (await cluster.Api.GetAsync<V1Pod>(ns, "early")).Require();
            return pod.Status?.Phase == "Running";
        }, () => $"pod not Running after the node got a podCIDR; phase {pod?.Status?.Phase}");
        Assert.StartsWith("10.42.7.", pod!.Status.PodIP);
    }
}
