using System.Text.Json.Nodes;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// `timonel up` gives a cluster whose node is Ready and runs a pod; `timonel down` leaves nothing
/// of the node behind: no namespace, veth, bridge, process, mount or cgroup.
/// </summary>
public sealed class UpDownTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("timonel-up-").FullName;
    private readonly string _node = "up-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
    private readonly int _port = ServerProcess.FreePort();

    [Fact]
    public async Task Up_runs_a_ready_node_with_a_pod_and_down_removes_everything()
    {
        var up = await TimonelAsync("up", "--data-dir", _dataDir, "--https-listen-port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--node-name", _node, "--isolated");
        Assert.True(up.ExitCode == 0, up.Output);
        var net = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "cluster-net.json")))!;
        var bridge = net["Bridge"]!.GetValue<string>();
        var node = net["Nodes"]!.AsArray().Single()!;
        Assert.Equal(_node, node["Name"]!.GetValue<string>());
        var netnsName = node["Netns"]!.GetValue<string>();
        var hostVeth = node["HostVeth"]!.GetValue<string>();
        Assert.True(File.Exists("/var/run/netns/" + netnsName));

        var env = new Dictionary<string, string> { ["KUBECONFIG"] = Path.Combine(_dataDir, "kubeconfig") };
        var nodes = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "nodes", "--no-headers"], env);
        Assert.Contains(_node, nodes.Stdout);
        Assert.Contains(" Ready ", nodes.Stdout);
        await Shell.RunAsync(RepoPaths.Kubectl, ["run", "web", "--image=timonel.local/http:1", "--image-pull-policy=IfNotPresent"], env);
        var ip = await Shell.UntilAsync(async () =>
        {
            var pod = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "pod", "web", "-o", "jsonpath={.status.phase} {.status.podIP}"], env);
            var parts = pod.Stdout.Split(' ');
            return parts is ["Running", { Length: > 0 } podIp] ? podIp : null;
        }, "pod web Running", 120);
        var answer = await Shell.UntilAsync(async () =>
        {
            var curl = await Shell.RunAsync("nsenter", ["--net=/var/run/netns/" + netnsName, "curl", "-s", "--max-time", "5", $"http://{ip}/cgi-bin/name"]);
            return curl.ExitCode == 0 ? curl.Stdout.Trim() : null;
        }, "an answer from the pod", 30);
        Assert.Equal("web", answer);

        var down = await TimonelAsync("down", "--data-dir", _dataDir);
        Assert.True(down.ExitCode == 0, down.Output);
        Assert.False(File.Exists("/var/run/netns/" + netnsName), "the node's network namespace is left");
        Assert.False(Directory.Exists("/sys/class/net/" + hostVeth), "the host's veth is left");
        Assert.False(Directory.Exists("/sys/class/net/" + bridge), "the host's bridge is left");
        Assert.Empty(ProcessesMentioning(_dataDir));
        Assert.DoesNotContain(_dataDir, await File.ReadAllTextAsync("/proc/self/mountinfo"));
        Assert.Empty(Timonel.Kubelet.Containerd.CgroupTree.Directories(Timonel.Kubelet.Agent.AgentOptions.CgroupRootFor(Path.Combine(_dataDir, "nodes", _node, "agent"), _node)));
    }

    private static async Task<(int ExitCode, string Output)> TimonelAsync(params string[] args)
    {
        var (code, stdout, stderr) = await Shell.RunAsync("dotnet", [RepoPaths.TimonelDll, .. args]);
        return (code, stdout + stderr);
    }

    /// <summary>Processes whose command line names the data dir (server, agent, containerd, shims).</summary>
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

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>On failure too: `down` once more (idempotent), then the data dir.</summary>
    public async Task DisposeAsync()
    {
        await TimonelAsync("down", "--data-dir", _dataDir);
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
