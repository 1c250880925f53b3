using System.Diagnostics;
using System.Globalization;
using Timonel.Bench.ApiServer;

namespace Timonel.Bench.SchedulerE2E;

/// <summary>
/// A `timonel agent --simulated --nodes N` process against a bench server; dispose kills it (its
/// own PID) and waits for the exit.
/// </summary>
internal sealed class BenchAgent : IDisposable
{
    private readonly Process _process;

    private BenchAgent(Process process) => _process = process;

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static BenchAgent Start(BenchServer server, int nodes, string leaseRenewInterval)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args =
        [
            BenchServer.TimonelDll, "agent", "--simulated", "--nodes", nodes.ToString(CultureInfo.InvariantCulture),
            "--node-name-prefix", "sim-", "--lease-renew-interval", leaseRenewInterval,
            "--server", server.Url.ToString().TrimEnd('/'),
            "--token", File.ReadAllText(Path.Combine(server.DataDir, "server", "token")).Trim(),
        ];
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start timonel agent");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  agent: " + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  agent: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new BenchAgent(process);
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

/// <summary>CPU time of any process from /proc (user + system, USER_HZ = 100).</summary>
internal static class ProcCpu
{
    public static TimeSpan Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
    }

    /// <summary>CPU used by the whole machine (all processes) since boot, from /proc/stat.</summary>
    public static TimeSpan Machine()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
        long busy = 0;
        for (var i = 1; i <= 8; i++)
        {
            if (i is 4 or 5) continue;
            busy += long.Parse(cpu[i], CultureInfo.InvariantCulture);
        }
        return TimeSpan.FromSeconds(busy / 100.0);
    }
}
