using System.Net;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>The 3-node cluster of `./timonel up --nodes 3 --isolated`: every node registered and Ready on the bridge's /24, and each runs pods.</summary>
[Collection(ThreeNodeClusterCollection.Name)]
public sealed class ClusterNodesTests(ThreeNodeCluster cluster)
{
    [Fact]
    public async Task Every_node_is_Ready_with_its_own_address_on_the_clusters_subnet()
    {
        var wide = await cluster.KubectlOk("get", "nodes", "-o", "wide", "--no-headers");
        var rows = wide.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(cols => cols[0], cols => (Status: cols[1], InternalIp: cols[5]));

        Assert.Equal(3, cluster.NodeNames.Count);
        Assert.Equal(new[] { cluster.NamePrefix, cluster.NamePrefix + "-2", cluster.NamePrefix + "-3" }, cluster.NodeNames);
        var subnet = IPNetwork.Parse(cluster.Net.Subnet);
        foreach (var name in cluster.NodeNames)
        {
            Assert.True(rows.TryGetValue(name, out var row), $"node {name} missing from:\n{wide}");
            Assert.Equal("Ready", row.Status);
            Assert.True(subnet.Contains(IPAddress.Parse(row.InternalIp)), $"{name}'s InternalIP {row.InternalIp} is not in {subnet}");
            Assert.NotEqual(cluster.Net.HostIp, row.InternalIp);
        }
        Assert.Equal(3, cluster.NodeNames.Select(n => rows[n].InternalIp).Distinct().Count());
        Assert.Equal(cluster.NodeIps, cluster.NodeNames.Select(n => rows[n].InternalIp));
    }

    [Fact]
    public async Task A_pod_pinned_to_each_node_runs_on_that_nodes_address_and_answers_from_its_namespace()
    {
        const string ns = "pinned";
        await cluster.Kubectl("create", "namespace", ns);
        try
        {
            foreach (var node in cluster.NodeNames)
            {
                await cluster.KubectlOk("run", "on-" + node, "-n", ns, "--image=timonel.local/http:1", "--image-pull-policy=IfNotPresent",
                    "--overrides", $$$"""{"spec":{"nodeName":"{{{node}}}"}}""");
            }
            foreach (var node in cluster.NodeNames)
            {
                var ip = await cluster.PodRunningAsync(ns, "on-" + node);
                var hostIp = (await cluster.KubectlOk("get", "pod", "on-" + node, "-n", ns, "-o", "jsonpath={.status.hostIP}")).Trim();
                Assert.Equal(cluster.NodeIps[cluster.NodeNames.ToList().IndexOf(node)], hostIp);
                var answer = await Run.UntilAsync(async () =>
                {
                    var curl = await cluster.InNodeAsync(node, "curl", "-s", "--max-time", "5", $"http://{ip}/cgi-bin/name");
                    return curl.ExitCode == 0 ? curl.Stdout.Trim() : null;
                }, $"an answer from pod on-{node}", 30);
                Assert.Equal("on-" + node, answer);
            }
        }
        finally
        {
            await cluster.Kubectl("delete", "namespace", ns, "--wait=false");
        }
    }
}
