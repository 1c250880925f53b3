using k8s.Models;

namespace Timonel.Scheduler.E2E.Tests;

/// <summary>The simulated agent's side of a placement: a bound pod runs with an IP from its node's podCIDR.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SimulatedNodeTests(Cluster cluster)
{
    [Fact]
    public async Task A_bound_pod_runs_with_an_ip_from_the_podCIDR_node_ipam_gave_its_node()
    {
        await using var nodes = await cluster.AddNodesAsync("cidr-", 1);
        var ns = await cluster.NewNamespaceAsync("cidr");
        await cluster.CreatePodAsync(Pods.Make(ns, "early"));
        Assert.Equal(nodes[0], await cluster.WaitBoundAsync(ns, "early"));

        V1Pod? pod = null;
        await Eventually.WaitAsync(async () =>
        {
            pod = (await cluster.Api.GetAsync<V1Pod>(ns, "early")).Require();
            return pod.Status?.Phase == "Running";
        }, () => $"pod not Running; phase {pod?.Status?.Phase}");
        var cidr = (await cluster.Api.GetAsync<V1Node>(null, nodes[0])).Require().Spec.PodCIDR;
        Assert.False(string.IsNullOrEmpty(cidr));
        var prefix = cidr[..cidr.LastIndexOf('.')] + ".";
        Assert.StartsWith(prefix, pod!.Status.PodIP);
        Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);
    }
}
