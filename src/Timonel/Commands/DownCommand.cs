using System.Diagnostics;

namespace Timonel.Commands;

/// <summary>`timonel down`: stops what `up` started for a data dir (SIGTERM, then SIGKILL after 10 s).</summary>
internal static class DownCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        flags.EnsureAllUsed();
        if (ServerPid.ReadRunning(dataDir) is not { } pid)
        {
            Console.WriteLine($"timonel: nothing is running for {dataDir}");
            return 0;
        }
        using var process = Process.GetProcessById(pid);
        Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        ServerPid.Remove(dataDir);
        Console.WriteLine($"timonel: stopped the server (pid {pid}) for {dataDir}");
        return 0;
    }
}
