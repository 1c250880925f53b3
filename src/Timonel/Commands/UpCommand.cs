using System.Globalization;
using System.Runtime.InteropServices;
using Timonel.Kubelet.Agent;
using Timonel.Kubelet.Images;

namespace Timonel.Commands;

/// <summary>
/// `timonel up [--nodes N] [--isolated] [--foreground]`: a local cluster on this machine, like kind:
/// the control plane (API server, controllers, scheduler on the embedded SQLite store) on the host
/// and N node agents, each with its own containerd in a network namespace of its own, joined by a
/// host bridge (<see cref="LocalClusterNet"/>, saved in DIR/cluster-net.json for `down`). The
/// server listens on 127.0.0.1 (the kubeconfig's address) and the bridge's .1 (the agents' way
/// in). Node I's agent: `nsenter --net` into its namespace, data dir DIR/nodes/NAME, --node-ip
/// its bridge address. `up` returns once every node is Ready and leaves everything running in the
/// background (setsid); `--foreground` stays attached and tears the cluster down on
/// SIGINT/SIGTERM/SIGHUP. Running `up` again finds what runs and starts only what is missing.
/// </summary>
internal static class UpCommand
{
    private const string Usage = """
        usage: timonel up [--nodes N] [--isolated] [--foreground] [--data-dir DIR] [--node-name NAME] [--https-listen-port 6443]
                          [--node-monitor-grace-period 50s]
          --nodes N       node agents, each in a network namespace of its own on one host bridge (default 1, or as saved)
          --isolated      no route from the nodes to the outside (default: NAT through this host)
          --foreground    stay attached; Ctrl-C stops the cluster and removes its nodes
          --node-name     the first node's name (default the host name); the others are NAME-2 .. NAME-N
          --node-monitor-grace-period  passed to the server: how long a silent node stays Ready (default 50s)
        """;

    public static async Task<int> RunAsync(Flags flags)
    {
        if (flags.Has("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        var dataDir = DataDir.Resolve(flags);
        var port = flags.Int("https-listen-port", 6443);
        var foreground = flags.Bool("foreground");
        var isolated = flags.Bool("isolated");
        var nameFlag = flags.String("node-name")?.ToLowerInvariant();
        int? nodesFlag = flags.Has("nodes") ? flags.Int("nodes", 1) : null;
        var nodeGrace = flags.String("node-monitor-grace-period");
        flags.EnsureAllUsed();
        if (nodeGrace is not null && !Durations.TryParse(nodeGrace, out _))
        {
            return CommandLine.Fail($"--node-monitor-grace-period: \"{nodeGrace}\" is not a duration like 40s or 2m");
        }
        if (nodesFlag is < 1 or > LocalClusterNet.MaxNodes)
        {
            return CommandLine.Fail($"--nodes must be between 1 and {LocalClusterNet.MaxNodes}");
        }
        if (File.Exists(Path.Combine(dataDir, "agent-netns.json")))
        {
            return CommandLine.Fail($"{dataDir} holds a cluster of an older `up` (one node in DIR/agent): run `./timonel down{DownHint(dataDir)}` first");
        }
        var saved = LocalClusterNet.Load(NetFile(dataDir));
        if (saved is not null && saved.Isolated != isolated)
        {
            return CommandLine.Fail($"the cluster in {dataDir} was made {(saved.Isolated ? "with" : "without")} --isolated; run `./timonel down{DownHint(dataDir)}` to change that");
        }
        var count = nodesFlag ?? Math.Max(1, saved?.Nodes.Count ?? 1);
        if (saved is not null && saved.Nodes.Count > count)
        {
            return CommandLine.Fail($"the cluster in {dataDir} has {saved.Nodes.Count} nodes; run `./timonel down{DownHint(dataDir)}` to start with fewer");
        }
        var firstName = nameFlag ?? saved?.Nodes.FirstOrDefault(n => n.Index == 1)?.Name ?? Environment.MachineName.ToLowerInvariant();
        if (saved?.Nodes.FirstOrDefault(n => n.Index == 1) is { } first && first.Name != firstName)
        {
            return CommandLine.Fail($"the cluster in {dataDir} names its first node {first.Name}, not {firstName}");
        }
        var names = Enumerable.Range(1, count).Select(i => i == 1 ? firstName : $"{firstName}-{i}").ToList();

        using var stop = new CancellationTokenSource();
        var signals = foreground ? ListenForStop(stop) : [];
        try
        {
            var code = await StartAsync(dataDir, port, isolated, saved, names, nodeGrace, stop.Token);
            if (code == 0 && foreground)
            {
                Console.WriteLine("timonel: running in the foreground; Ctrl-C stops the cluster and removes its nodes");
                await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            if (foreground)
            {
                Console.WriteLine("timonel: stopping the cluster");
                code = Math.Max(code, await DownCommand.TearDownAsync(dataDir));
            }
            if (code != 0 && !foreground)
            {
                Console.Error.WriteLine($"timonel: what started keeps running; remove it with ./timonel down{DownHint(dataDir)}");
            }
            return code;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.WriteLine("timonel: interrupted; stopping the cluster");
            return Math.Max(1, await DownCommand.TearDownAsync(dataDir));
        }
        finally
        {
            foreach (var signal in signals) signal.Dispose();
        }
    }

    internal static string NetFile(string dataDir) => Path.Combine(dataDir, "cluster-net.json");

    internal static string NodeDir(string dataDir, string nodeName) => Path.Combine(dataDir, "nodes", nodeName);

    internal static string DownHint(string dataDir) => dataDir == DataDir.Resolve(Flags.Parse([])) ? "" : $" --data-dir {dataDir}";

    /// <remarks><paramref name="nodeGrace"/> reaches only a server this call starts; one already running keeps its own.</remarks>
    private static async Task<int> StartAsync(string dataDir, int port, bool isolated, LocalClusterNet? saved, List<string> names,
        string? nodeGrace, CancellationToken ct)
    {
        var serverDir = Path.Combine(dataDir, "server");
        Directory.CreateDirectory(serverDir);
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var net = saved ?? LocalClusterNet.Plan(dataDir, isolated, await LocalClusterNet.FreePrefixAsync(dataDir));
        Console.WriteLine($"timonel: network: bridge {net.Bridge} {net.HostIp}/24{(isolated ? ", isolated (no route out)" : ", NAT to the outside")}");
        await net.EnsureAsync(NetFile(dataDir));
        var nodes = new List<LocalClusterNode>();
        for (var i = 0; i < names.Count; i++)
        {
            nodes.Add(await net.EnsureNodeAsync(i + 1, names[i], NetFile(dataDir)));
        }

        var log = Path.Combine(serverDir, "server.log");
        if (PidFile.Server.ReadRunning(dataDir) is { } running)
        {
            Console.WriteLine($"timonel: a server is already running for {dataDir} (pid {running})");
        }
        else
        {
            Console.WriteLine($"timonel: starting the API server (data dir {dataDir}, log {log})");
            List<string> args = ["server", "--data-dir", dataDir, "--https-listen-port", portText, "--bind-address", "127.0.0.1," + net.HostIp];
            args.AddRange(["--service-lb-pool", net.LoadBalancerPool]);
            if (nodeGrace is not null)
            {
                args.AddRange(["--node-monitor-grace-period", nodeGrace]);
            }
            PidFile.Server.Write(dataDir, Detached.StartTimonel([], args, log));
        }
        var url = $"https://127.0.0.1:{port}";
        if (!await UpWait.ServerReadyAsync(dataDir, url, () => PidFile.Server.ReadRunning(dataDir) is not null, TimeSpan.FromSeconds(60), ct))
        {
            return Failed("the server did not become ready", log);
        }

        var token = File.ReadAllText(Path.Combine(serverDir, "token")).Trim();
        foreach (var node in nodes)
        {
            await StartAgentAsync(dataDir, node, $"https://{net.HostIp}:{port}", token, nodes[0].Name);
        }
        var kubeconfig = Path.Combine(dataDir, "kubeconfig");
        var problem = await UpWait.NodesReadyAsync(kubeconfig, names, name => PidFile.Agent.ReadRunning(NodeDir(dataDir, name)) is not null,
            name => Console.WriteLine($"timonel: node {name} is Ready"), TimeSpan.FromSeconds(60 + 30 * names.Count), ct);
        if (problem is not null)
        {
            var culprit = names.FirstOrDefault(n => problem.Contains(n, StringComparison.Ordinal)) ?? names[0];
            return Failed(problem, AgentLog(dataDir, culprit));
        }
        UpSummary.Print(dataDir, url, net, kubeconfig);
        return 0;
    }

    private static async Task StartAgentAsync(string dataDir, LocalClusterNode node, string server, string token, string firstNode)
    {
        var nodeDir = NodeDir(dataDir, node.Name);
        var agentDir = Path.Combine(nodeDir, "agent");
        Directory.CreateDirectory(agentDir);
        var images = Path.Combine(agentDir, ImageAutoImport.ImagesDirName);
        if (!Directory.Exists(images))
        {
            // Imported by the agent at start (ImageAutoImport); written once so they are imported once.
            var firstImages = Path.Combine(NodeDir(dataDir, firstNode), "agent", ImageAutoImport.ImagesDirName);
            if (node.Name != firstNode && Directory.Exists(firstImages))
            {
                Directory.CreateDirectory(images);
                foreach (var tar in Directory.EnumerateFiles(firstImages, "*.tar")) File.Copy(tar, Path.Combine(images, Path.GetFileName(tar)));
            }
            else
            {
                await ProjectImages.WriteAllAsync(images);
            }
        }
        if (PidFile.Agent.ReadRunning(nodeDir) is { } running)
        {
            Console.WriteLine($"timonel: node {node.Name}: agent already running (pid {running})");
            return;
        }
        var log = AgentLog(dataDir, node.Name);
        Console.WriteLine($"timonel: node {node.Name}: starting its agent in {node.Netns} ({node.NodeIp}; log {log})");
        var pid = Detached.StartTimonel(["nsenter", "--net=" + node.NetnsPath],
            ["agent", "--server", server, "--token", token, "--node-name", node.Name, "--node-ip", node.NodeIp, "--data-dir", nodeDir], log);
        PidFile.Agent.Write(nodeDir, pid);
    }

    private static string AgentLog(string dataDir, string nodeName) => Path.Combine(NodeDir(dataDir, nodeName), "agent", "agent.log");

    /// <summary>Ctrl-C, kill and a closed terminal all end a foreground cluster the same way.</summary>
    private static List<PosixSignalRegistration> ListenForStop(CancellationTokenSource stop)
    {
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        return [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(s => PosixSignalRegistration.Create(s, Stop))];
    }

    private static int Failed(string what, string log)
    {
        Console.Error.WriteLine($"timonel: {what}; last lines of {log}:");
        foreach (var line in File.Exists(log) ? File.ReadLines(log).TakeLast(20) : []) Console.Error.WriteLine("  " + line);
        return 1;
    }
}
