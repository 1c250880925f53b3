using Timonel.Kubelet.Containerd;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// `./timonel down` on a 2-node cluster with a pod on each node leaves nothing of it: no process,
/// namespace, bridge, veth, nftables table, mount or cgroup. A cluster of its own, so the shared
/// one stays up.
/// </summary>
public sealed class DownTests : IAsyncLifetime
{
    private readonly LocalCluster _cluster = new(2);

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Down_removes_every_process_namespace_link_table_mount_and_cgroup_of_the_cluster()
    {
        foreach (var node in _cluster.NodeNames)
        {
            await _cluster.KubectlOk("run", "on-" + node, "--image=timonel.local/busybox:1", "--image-pull-policy=IfNotPresent",
                "--overrides", $$$"""{"spec":{"nodeName":"{{{node}}}","terminationGracePeriodSeconds":1}}""", "--command", "--", "sleep", "3600");
        }
        foreach (var node in _cluster.NodeNames)
        {
            await _cluster.PodRunningAsync("default", "on-" + node);
            Assert.NotEmpty(CgroupTree.Directories(CgroupRoot(node)));
        }
        var net = _cluster.Net;
        Assert.True(Directory.Exists("/sys/class/net/" + net.Bridge));
        Assert.All(net.Nodes, n => Assert.True(File.Exists(n.NetnsPath)));
        Assert.NotEmpty(ProcessesMentioning(_cluster.DataDir));
        Assert.Contains(_cluster.DataDir, await File.ReadAllTextAsync("/proc/self/mountinfo"));

        var down = await _cluster.TimonelAsync("down");

        Assert.True(down.ExitCode == 0, down.Output);
        Assert.Empty(ProcessesMentioning(_cluster.DataDir));
        Assert.DoesNotContain(Directory.EnumerateFiles("/var/run/netns"), f => f.Contains(net.Hash, StringComparison.Ordinal));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries("/sys/class/net"), l => l.Contains(net.Hash, StringComparison.Ordinal));
        var tables = await Run.CommandAsync("nft", ["list", "tables"]);
        Assert.Equal(0, tables.ExitCode);
        Assert.DoesNotContain(net.Hash, tables.Stdout);
        Assert.DoesNotContain(_cluster.DataDir, await File.ReadAllTextAsync("/proc/self/mountinfo"));
        Assert.All(_cluster.NodeNames, node => Assert.Empty(CgroupTree.Directories(CgroupRoot(node))));
        Assert.False(File.Exists(Path.Combine(_cluster.DataDir, "cluster-net.json")));
        Assert.False(Directory.Exists(Path.Combine(_cluster.DataDir, "nodes")));

        var again = await _cluster.TimonelAsync("down");
        Assert.True(again.ExitCode == 0, again.Output);
    }

    /// <summary>Processes whose command line names the data dir (server, agents, containerd, shims).</summary>
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(dir)}: {cmdline}");
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
        return found;
    }

    private string CgroupRoot(string node) =>
        Timonel.Kubelet.Agent.AgentOptions.CgroupRootFor(Path.Combine(_cluster.DataDir, "nodes", node, "agent"), node);
}
