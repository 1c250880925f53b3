using System.Diagnostics;
using System.Globalization;
using Timonel.Bench.ApiServer;

namespace Timonel.Bench.Deployments;

/// <summary>A `timonel agent --simulated` process joined to a bench server; dispose kills it.</summary>
internal sealed class BenchAgent : IDisposable
{
    private readonly Process _process;

    private BenchAgent(Process process)
    {
        _process = process;
    }

    public static BenchAgent Start(BenchServer server, int nodes, string leaseRenewInterval)
    {
        var token = File.ReadAllText(Path.Combine(server.DataDir, "server", "token")).Trim();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { BenchServer.TimonelDll, "agent", "--simulated", "--nodes", nodes.ToString(CultureInfo.InvariantCulture),
            "--node-name-prefix", "bench-", "--lease-renew-interval", leaseRenewInterval, "--server", server.Url.ToString().TrimEnd('/'), "--token", token })
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start timonel agent");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  agent: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new BenchAgent(process);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>User plus system CPU time of the agent so far (utime and stime of /proc/PID/stat, USER_HZ 100).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
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
