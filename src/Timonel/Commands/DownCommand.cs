using Timonel.Kubelet.Agent;

namespace Timonel.Commands;

/// <summary>
/// `timonel down`: stops what `up` started for a data dir and removes what its nodes made: every
/// agent, then the server (SIGTERM, SIGKILL after 10 s); per node its containerd, containers,
/// mounts, cgroups and DIR/nodes/NAME (<see cref="AgentTeardown"/>); then the network of
/// DIR/cluster-net.json (namespaces, veths, bridge, NAT table; <see cref="LocalClusterNet"/>).
/// An older single-node layout (DIR/agent, DIR/agent-netns.json) is removed the same way. The
/// server's state (DIR/server, DIR/kubeconfig) stays. Idempotent.
/// </summary>
internal static class DownCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        flags.EnsureAllUsed();
        return await TearDownAsync(dataDir);
    }

    /// <summary>Also the end of `up --foreground`. 0 when everything is gone, 1 when something could not be removed.</summary>
    internal static async Task<int> TearDownAsync(string dataDir)
    {
        // A node dir holds DIR/agent of `timonel agent --data-dir NODEDIR`.
        var nodesDir = Path.Combine(dataDir, "nodes");
        var nodeDirs = (Directory.Exists(nodesDir) ? Directory.EnumerateDirectories(nodesDir).Order(StringComparer.Ordinal).ToList() : [])
            .Append(dataDir).Where(d => Directory.Exists(Path.Combine(d, "agent"))).ToList();
        var stopped = await Task.WhenAll(nodeDirs.Select(async nodeDir =>
        {
            if (PidFile.Agent.ReadRunning(nodeDir) is not { } agent) return false;
            await Detached.StopAsync(agent, TimeSpan.FromSeconds(10));
            Console.WriteLine($"timonel: stopped the agent of {Path.GetFileName(nodeDir)} (pid {agent})");
            return true;
        }));
        var anyStopped = stopped.Any(s => s);
        if (PidFile.Server.ReadRunning(dataDir) is { } server)
        {
            await Detached.StopAsync(server, TimeSpan.FromSeconds(10));
            PidFile.Server.Remove(dataDir);
            Console.WriteLine($"timonel: stopped the server (pid {server})");
            anyStopped = true;
        }

        var failures = new List<string>();
        var teardowns = await Task.WhenAll(nodeDirs.Select(d => AgentTeardown.RemoveAllAsync(Path.Combine(d, "agent"))));
        failures.AddRange(teardowns.SelectMany(t => t));
        foreach (var nodeDir in nodeDirs.Where(d => d != dataDir && Directory.Exists(d)))
        {
            Directory.Delete(nodeDir, recursive: true);
        }
        if (Directory.Exists(nodesDir) && !Directory.EnumerateFileSystemEntries(nodesDir).Any())
        {
            Directory.Delete(nodesDir);
        }
        if (nodeDirs.Count > 0)
        {
            Console.WriteLine($"timonel: removed {nodeDirs.Count} node(s): containerd, containers, mounts and cgroups");
        }

        if (LocalClusterNet.Load(UpCommand.NetFile(dataDir)) is { } net)
        {
            var left = await net.DeleteAsync();
            failures.AddRange(left);
            if (left.Count == 0)
            {
                File.Delete(UpCommand.NetFile(dataDir));
                Console.WriteLine($"timonel: removed bridge {net.Bridge}, {net.Nodes.Count} network namespace(s) and veth(s){(net.Isolated ? "" : $", nftables table {net.NatTable}")}");
            }
        }
        var legacyFile = Path.Combine(dataDir, "agent-netns.json");
        if (NodeNetns.Load(legacyFile) is { } legacy)
        {
            try
            {
                await legacy.DeleteAsync();
                File.Delete(legacyFile);
                Console.WriteLine($"timonel: removed network namespace {legacy.Netns} and veth {legacy.HostVeth}");
            }
            catch (InvalidOperationException e)
            {
                failures.Add(e.Message);
            }
        }
        foreach (var failure in failures)
        {
            Console.Error.WriteLine($"timonel: clean-up: {failure}");
        }
        if (!anyStopped && failures.Count == 0)
        {
            Console.WriteLine($"timonel: nothing else was running for {dataDir}");
        }
        return failures.Count == 0 ? 0 : 1;
    }
}
