using System.Diagnostics;

namespace Timonel.Agent.E2E.Tests;

/// <summary>Runs commands to completion, and polls conditions with an upper bound.</summary>
internal static class Shell
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? env = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    public static async Task<string> CheckedAsync(string file, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(file, args);
        return code == 0 ? stdout : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {code}: {stderr}{stdout}");
    }

    /// <summary>Polls until <paramref name="probe"/> gives a value; the bound is for slow machines, not a speed check.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 90, Func<string>? detail = null)
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
                throw new TimeoutException($"gave up waiting for {what} after {seconds} s{(detail is null ? "" : ":\n" + detail())}");
            }
            await Task.Delay(250);
        }
    }
}
