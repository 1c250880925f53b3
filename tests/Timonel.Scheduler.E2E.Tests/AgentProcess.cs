using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Timonel.Scheduler.E2E.Tests;

/// <summary>
/// One `timonel agent --simulated` process registering <see cref="NodeNames"/>. Dispose kills it
/// (by its own PID, waiting for the exit); the cluster deletes its Node objects.
/// </summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process, IReadOnlyList<string> nodeNames)
    {
        _process = process;
        NodeNames = nodeNames;
    }

    public IReadOnlyList<string> NodeNames { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;

    public static AgentProcess Start(ServerProcess server, string prefix, int nodes, string cpu, string memory, int maxPods)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args =
        [
            RepoPaths.TimonelDll, "agent", "--simulated", "--nodes", nodes.ToString(CultureInfo.InvariantCulture),
            "--node-name-prefix", prefix, "--cpu", cpu, "--memory", memory, "--max-pods", maxPods.ToString(CultureInfo.InvariantCulture),
            "--server", server.Url, "--token", File.ReadAllText(Path.Combine(server.DataDir, "server", "token")).Trim(),
        ];
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start timonel agent");
        var agent = new AgentProcess(process, Enumerable.Range(0, nodes).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList());
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (agent._output) agent._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (agent._output) agent._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
