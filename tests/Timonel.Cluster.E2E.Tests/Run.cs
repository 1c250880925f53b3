using System.Diagnostics;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>What a finished command gave.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>Runs commands to completion (killed past a generous bound), and polls conditions.</summary>
public static class Run
{
    public static async Task<CommandResult> CommandAsync(string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new CommandResult(-1, await stdout, await stderr + $"\n(killed after {timeoutSeconds} s)");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Polls until <paramref name="probe"/> gives a value; the bound is for slow machines, not a speed check.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 120, Func<Task<string>>? detail = null)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what} after {seconds} s{(detail is null ? "" : ":\n" + await detail())}");
            }
            await Task.Delay(250);
        }
    }
}
