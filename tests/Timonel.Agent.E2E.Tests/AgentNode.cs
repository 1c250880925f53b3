using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.Kubelet.Agent;
using Timonel.Kubelet.Images;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// A one-node cluster for a test class: a network namespace with a veth pair to the host (a free
/// /30 of 10.214.0.0/16, no route out), a real `timonel server` listening on 127.0.0.1 and the
/// host's veth address, and a real `timonel agent` started inside the namespace
/// (`nsenter --net`) with its own containerd and the project images in DIR/agent/images. Tests
/// drive it with the real kubectl. Disposal (also after a failed start) kills the agent, removes
/// containerd, containers, mounts and the node's cgroups (AgentTeardown), stops the server and
/// deletes the namespace and veth.
/// </summary>
public sealed class AgentNode : IAsyncLifetime
{
    private readonly string _id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly StringBuilder _agentOutput = new();
    private Process? _agent;

    public AgentNode()
    {
        DataDir = Path.Combine(Path.GetTempPath(), "ta-" + _id);
        NodeName = "ta-" + _id;
    }

    public string NodeName { get; }
    public string DataDir { get; }
    public string AgentDir => Path.Combine(DataDir, "agent");
    public NodeNetns Network { get; private set; } = null!;
    public ServerProcess Server { get; private set; } = null!;
    public int? AgentPid => _agent is { HasExited: false } p ? p.Id : null;

    public string AgentOutput
    {
        get
        {
            lock (_agentOutput)
            {
                return _agentOutput.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        try
        {
            Network = await NodeNetns.CreateAsync("ta-" + _id, "ta" + _id, 214, RandomNumberGenerator.GetInt32(16384));
            Server = new ServerProcess(null, null, "--bind-address", "127.0.0.1," + Network.HostIp);
            await Server.StartAsync();
            await ProjectImages.WriteAllAsync(Path.Combine(AgentDir, ImageAutoImport.ImagesDirName));
            StartAgent();
            await WaitReadyAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts `timonel agent` inside the node's namespace.</summary>
    public void StartAgent()
    {
        var token = File.ReadAllText(Path.Combine(Server.DataDir, "server", "token")).Trim();
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--net=" + Network.NetnsPath, "dotnet", RepoPaths.TimonelDll, "agent",
            "--server", $"https://{Network.HostIp}:{Server.Port}", "--token", token, "--node-name", NodeName, "--data-dir", DataDir })
        {
            info.ArgumentList.Add(a);
        }
        _agent = Process.Start(info)!;
        _agent.OutputDataReceived += (_, e) => Append(e.Data);
        _agent.ErrorDataReceived += (_, e) => Append(e.Data);
        _agent.BeginOutputReadLine();
        _agent.BeginErrorReadLine();
    }

    /// <summary>kill -9 of the agent (nsenter execs, so the pid is the agent's); containerd and containers stay.</summary>
    public void KillAgent()
    {
        if (_agent is { HasExited: false } agent)
        {
            agent.Kill(entireProcessTree: false);
            agent.WaitForExit(10_000);
        }
    }

    /// <summary>kubectl with the server's admin kubeconfig; throws with its output when it fails.</summary>
    public async Task<string> KubectlAsync(params string[] args) => await KubectlInAsync(null, args);

    public async Task<string> KubectlInAsync(string? stdin, params string[] args)
    {
        var (code, stdout, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, args, new Dictionary<string, string> { ["KUBECONFIG"] = Server.Kubeconfig }, stdin);
        return code == 0 ? stdout : throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited with {code}: {stderr}{stdout}");
    }

    public async Task<JsonNode> KubectlJsonAsync(params string[] args) => JsonNode.Parse(await KubectlAsync([.. args, "-o", "json"]))!;

    /// <summary>An HTTP GET from inside the node's namespace (as a client on the node would).</summary>
    public async Task<string?> CurlFromNodeAsync(string url)
    {
        var (code, stdout, _) = await Shell.RunAsync("nsenter", ["--net=" + Network.NetnsPath, "curl", "-s", "--max-time", "5", url]);
        return code == 0 ? stdout.Trim() : null;
    }

    /// <summary>Waits until the node's Ready condition is True.</summary>
    public async Task<JsonNode> WaitReadyAsync(DateTime? heartbeatAfter = null) => await Shell.UntilAsync(async () =>
    {
        var (code, stdout, _) = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "node", NodeName, "-o", "json"], new Dictionary<string, string> { ["KUBECONFIG"] = Server.Kubeconfig });
        if (code != 0)
        {
            return null;
        }
        var node = JsonNode.Parse(stdout)!;
        var ready = node["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready");
        if (ready?["status"]?.GetValue<string>() != "True")
        {
            return null;
        }
        var beat = DateTime.Parse(ready["lastHeartbeatTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();
        return heartbeatAfter is { } after && beat <= after ? null : node;
    }, $"node {NodeName} Ready", 120, () => AgentOutput);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_agentOutput)
        {
            _agentOutput.AppendLine(line);
        }
    }

    public async Task DisposeAsync()
    {
        var failures = new List<string>();
        KillAgent();
        _agent?.Dispose();
        failures.AddRange(await AgentTeardown.RemoveAllAsync(AgentDir, NodeName));
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Network is not null)
        {
            try
            {
                await Network.DeleteAsync();
            }
            catch (InvalidOperationException e)
            {
                failures.Add(e.Message);
            }
        }
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("agent node clean-up failed: " + string.Join("; ", failures));
        }
    }
}
