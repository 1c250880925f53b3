using System.Diagnostics;
using System.Globalization;
using Timonel.Kubelet.Containerd;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// Ends a node of a local cluster the way a power cut would: SIGKILL to its agent (pid file
/// DIR/nodes/NAME/agent/agent.pid) and to every process whose command line names the node's
/// directory (containerd, the shims), then to every process in the node's pod cgroups (AgentOptions.CgroupRootFor
/// in each cgroup v1 hierarchy, or the v2 tree), so that its containers die too. Nothing is removed: the node's
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
        // Twice: a process that forked while the first pass read the lists is caught by the second.
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var pid in CgroupTree.Directories(Timonel.Kubelet.Agent.AgentOptions.CgroupRootFor(Path.Combine(nodeDir, "agent"), node))
                .SelectMany(top => Directory.EnumerateDirectories(top, "*", SearchOption.AllDirectories).Append(top))
                .SelectMany(ProcsOf).Distinct().ToList())
            {
                SigKill(pid);
            }
        }
        // A killed process keeps its /proc entry (and command line) until the kernel has torn it
        // down, which for a large address space takes a moment: wait for that, a few seconds at most.
        var waited = Stopwatch.StartNew();
        while (ProcessesNaming(nodeDir).Count > 0 && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50);
        }
    }

    private static IEnumerable<int> ProcsOf(string cgroup)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(cgroup, "cgroup.procs")).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        }
        catch (IOException)
        {
            return []; // removed meanwhile
        }
    }

    /// <summary>Pids whose arguments are the directory or a path below it (node NAME-2's directory is not below NAME's).</summary>
    public static List<int> ProcessesNaming(string dir)
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
