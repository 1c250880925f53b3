using Timonel.Kubelet.Agent;

namespace Timonel.Commands;

/// <summary>
/// `timonel down`: stops what `up` started for a data dir and removes what its node made: the
/// agent and the server (SIGTERM, SIGKILL after 10 s), the node's containerd, containers, mounts
/// and cgroups (<see cref="AgentTeardown"/>, which also deletes DIR/agent), and the node's network
/// namespace and veth. The server's state (DIR/server, DIR/kubeconfig) stays.
/// </summary>
internal static class DownCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        flags.EnsureAllUsed();
        var stopped = false;
        if (PidFile.Agent.ReadRunning(dataDir) is { } agent)
        {
            await Detached.StopAsync(agent, TimeSpan.FromSeconds(10));
            Console.WriteLine($"timonel: stopped the agent (pid {agent})");
            stopped = true;
        }
        if (PidFile.Server.ReadRunning(dataDir) is { } server)
        {
            await Detached.StopAsync(server, TimeSpan.FromSeconds(10));
            PidFile.Server.Remove(dataDir);
            Console.WriteLine($"timonel: stopped the server (pid {server})");
            stopped = true;
        }
        var agentDir = Path.Combine(dataDir, "agent");
        var failures = new List<string>();
        if (Directory.Exists(agentDir))
        {
            failures.AddRange(await AgentTeardown.RemoveAllAsync(agentDir));
            Console.WriteLine("timonel: removed the node's containerd, containers, mounts and cgroups");
        }
        if (NodeNetns.Load(UpCommand.NetnsFile(dataDir)) is { } netns)
        {
            try
            {
                await netns.DeleteAsync();
                File.Delete(UpCommand.NetnsFile(dataDir));
                Console.WriteLine($"timonel: removed network namespace {netns.Netns} and veth {netns.HostVeth}");
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
        if (!stopped && failures.Count == 0)
        {
            Console.WriteLine($"timonel: nothing else was running for {dataDir}");
        }
        return failures.Count == 0 ? 0 : 1;
    }
}
