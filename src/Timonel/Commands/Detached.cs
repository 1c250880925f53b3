using System.Diagnostics;

namespace Timonel.Commands;

/// <summary>Starts a process in its own session, detached from this terminal, logging to a file.</summary>
internal static class Detached
{
    /// <summary>
    /// Runs <paramref name="prefix"/> + this timonel binary + <paramref name="args"/>; sh and every
    /// prefix command (nsenter) exec, so the pid returned is timonel's own.
    /// </summary>
    public static int StartTimonel(IReadOnlyList<string> prefix, IReadOnlyList<string> args, string log)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$TIMONEL_LOG\" 2>&1 </dev/null & echo $!");
        foreach (var p in prefix) psi.ArgumentList.Add(p);
        psi.ArgumentList.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(Detached).Assembly.Location);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TIMONEL_LOG"] = log;
        using var p2 = Process.Start(psi)!;
        var pidText = p2.StandardOutput.ReadLine();
        p2.WaitForExit();
        return int.Parse(pidText!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>.</summary>
    public static async Task StopAsync(int pid, TimeSpan grace)
    {
        using var process = Process.GetProcessById(pid);
        Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var wait = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Not our child: WaitForExitAsync cannot wait for it; poll /proc instead.
            for (var i = 0; i < grace.TotalMilliseconds / 100 && Directory.Exists($"/proc/{pid}"); i++) await Task.Delay(100);
            if (Directory.Exists($"/proc/{pid}")) Process.Start("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        }
    }
}
