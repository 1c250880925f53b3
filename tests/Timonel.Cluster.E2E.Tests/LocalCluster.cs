using System.Globalization;
using System.Security.Cryptography;
using Timonel.Kubelet.Agent;
using Timonel.Testing;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// A cluster made by `./timonel up --nodes N --isolated` in a temp data dir on a free port, and
/// removed by `./timonel down` (<see cref="DisposeAsync"/>, also when `up` failed). Its nodes and
/// their addresses come from the topology `up` saved (DIR/cluster-net.json); kubectl runs with
/// the cluster's kubeconfig. Used as a collection fixture (<see cref="ThreeNodeCluster"/>) or by a
/// test that wants a cluster of its own.
/// </summary>
public class LocalCluster : IAsyncLifetime
{
    private readonly int _nodes;
    private readonly string[] _upArgs;

    /// <param name="upArgs">More flags for `up` (e.g. a shorter --node-monitor-grace-period).</param>
    public LocalCluster(int nodes, params string[] upArgs)
    {
        _nodes = nodes;
        _upArgs = upArgs;
        NamePrefix = "c" + nodes + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    }

    public string DataDir { get; } = Directory.CreateTempSubdirectory("timonel-cluster-").FullName;
    public int Port { get; } = ServerProcess.FreePort();
    /// <summary>Node 1's name; node I is NamePrefix-I.</summary>
    public string NamePrefix { get; }
    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig");
    /// <summary>The network `up` made (bridge, /24, per node its namespace, veth and address); set once up succeeded.</summary>
    public LocalClusterNet Net { get; private set; } = null!;
    public IReadOnlyList<string> NodeNames => [.. Net.Nodes.Select(n => n.Name)];
    public IReadOnlyList<string> NodeIps => [.. Net.Nodes.Select(n => n.NodeIp)];
    /// <summary>What `up` printed.</summary>
    public string UpOutput { get; private set; } = "";

    /// <summary>The namespace path of a node, for `nsenter --net=PATH`.</summary>
    public string NetnsPath(string nodeName) => Net.Nodes.Single(n => n.Name == nodeName).NetnsPath;

    public virtual async Task InitializeAsync()
    {
        var up = await TimonelAsync(["up", "--nodes", _nodes.ToString(CultureInfo.InvariantCulture), "--isolated",
            "--https-listen-port", Port.ToString(CultureInfo.InvariantCulture), "--node-name", NamePrefix, .. _upArgs]);
        UpOutput = up.Output;
        if (up.ExitCode != 0)
        {
            var logs = string.Join("\n", Directory.EnumerateFiles(DataDir, "*.log", SearchOption.AllDirectories)
                .Select(f => $"--- {f}\n{string.Join('\n', File.ReadLines(f).TakeLast(30))}"));
            await DisposeAsync();
            throw new InvalidOperationException($"timonel up --nodes {_nodes} failed ({up.ExitCode}):\n{up.Output}\n{logs}");
        }
        Net = LocalClusterNet.Load(Path.Combine(DataDir, "cluster-net.json"))
            ?? throw new InvalidOperationException("timonel up saved no cluster-net.json");
    }

    /// <summary>`./timonel down` (idempotent), then the data dir.</summary>
    public virtual async Task DisposeAsync()
    {
        await TimonelAsync("down");
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>The built timonel with this cluster's data dir.</summary>
    public Task<CommandResult> TimonelAsync(params string[] args) =>
        Run.CommandAsync("dotnet", [RepoPaths.TimonelDll, .. args, "--data-dir", DataDir]);

    /// <summary>The real kubectl against this cluster.</summary>
    public Task<CommandResult> Kubectl(params string[] args) =>
        Run.CommandAsync(RepoPaths.Kubectl, args, new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, timeoutSeconds: 120);

    /// <summary>kubectl that must succeed; its stdout.</summary>
    public async Task<string> KubectlOk(params string[] args)
    {
        var result = await Kubectl(args);
        return result.ExitCode == 0 ? result.Stdout : throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited with {result.ExitCode}: {result.Output}");
    }

    /// <summary>A command inside a node's network namespace (curl, ip, nft, ...).</summary>
    public Task<CommandResult> InNodeAsync(string nodeName, string file, params string[] args) =>
        Run.CommandAsync("nsenter", ["--net=" + NetnsPath(nodeName), file, .. args], timeoutSeconds: 60);

    /// <summary>Waits until the pod is Running; its IP.</summary>
    public Task<string> PodRunningAsync(string ns, string pod, int seconds = 120) =>
        Run.UntilAsync(async () =>
        {
            var result = await Kubectl("get", "pod", pod, "-n", ns, "-o", "jsonpath={.status.phase} {.status.podIP}");
            return result.Stdout.Split(' ') is ["Running", { Length: > 0 } ip] ? ip : null;
        }, $"pod {ns}/{pod} Running", seconds, async () => (await Kubectl("describe", "pod", pod, "-n", ns)).Output);
}

/// <summary>The shared 3-node isolated cluster: made once for every test class of the collection <see cref="ThreeNodeClusterCollection"/>.</summary>
public sealed class ThreeNodeCluster() : LocalCluster(3);

[CollectionDefinition(Name)]
public sealed class ThreeNodeClusterCollection : ICollectionFixture<ThreeNodeCluster>
{
    public const string Name = "three-node cluster";
}
