using System.Diagnostics;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// Ends a node of a local cluster the way a power cut would: SIGKILL to its agent (pid file
/// DIR/nodes/NAME/agent/agent.pid) and to every process whose command line names the node's
/// directory (containerd, the shims), then cgroup.kill on the node's pod cgroups
/// (/sys/fs/cgroup/timonel/NAME), so that its containers die too. Nothing is removed: the node's
/// namespace, links, mounts and files stay for `./timonel down`.
/// </summary>
public static class NodeKiller
{
    public static void Kill(string dataDir, string node)
    {
        var nodeDir = Path.Combine(dataDir, "nodes", node);
        var pidFile = Path.Combine(nodeDir, "agent", "agent.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var agent))
        {
            SigKill(agent);
        }
        // The agent first, so that nothing restarts what follows.
        foreach (var pid in ProcessesNaming(nodeDir))
        {
            SigKill(pid);
        }
        var pods = Path.Combine("/sys/fs/cgroup/timonel", node, "cgroup.kill");
        if (File.Exists(pods))
        {
            File.WriteAllText(pods, "1");
        }
    }

    /// <summary>Pids whose arguments are the directory or a path below it (node NAME-2's directory is not below NAME's).</summary>
    private static List<int> ProcessesNaming(string dir)
    {
        var pids = new List<int>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var args = File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0');
                if (args.Any(a => a == dir || a.Contains(dir + "/", StringComparison.Ordinal)))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
        return pids;
    }

    private static void SigKill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Gone already.
        }
    }
}
