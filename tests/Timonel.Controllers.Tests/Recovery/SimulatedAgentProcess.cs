using System.Diagnostics;
using System.Text;

namespace Timonel.Controllers.Tests.Recovery;

/// <summary>
/// A real `timonel agent --simulated` process joined to a server with the server's join token.
/// Dispose kills it (kill -9) if it still runs.
/// </summary>
public sealed class SimulatedAgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SimulatedAgentProcess(Process process)
    {
        _process = process;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;

    public static SimulatedAgentProcess Start(ServerProcess server, int nodes, string namePrefix)
    {
        var token = File.ReadAllText(Path.Combine(server.DataDir, "server", "token")).Trim();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { RepoPaths.TimonelDll, "agent", "--simulated", "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--node-name-prefix", namePrefix, "--server", server.Url, "--token", token })
        {
            psi.ArgumentList.Add(a);
        }
        var agent = new SimulatedAgentProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start timonel agent"));
        agent._process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.BeginOutputReadLine();
        agent._process.BeginErrorReadLine();
        return agent;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output) _output.AppendLine(line);
        }
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
