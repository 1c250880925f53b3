using System.Diagnostics;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>Runs a command to completion and returns what it printed.</summary>
internal static class Run
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> CommandAsync(string file, params string[] args) =>
        CommandWithInputAsync(null, file, args);

    /// <summary>As <see cref="CommandAsync"/>, with <paramref name="stdin"/> written to the command's input and then closed.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> CommandWithInputAsync(string? stdin, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs and throws when the command fails: for set-up steps that must work.</summary>
    public static async Task<string> CheckedAsync(string file, params string[] args)
    {
        var (code, stdout, stderr) = await CommandAsync(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {code}: {stderr}{stdout}");
        }
        return stdout;
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value; an upper bound for slow machines, not a speed check.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, int seconds = 30, Func<Task<string>>? onTimeout = null)
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
                var detail = onTimeout is null ? "" : ": " + await onTimeout();
                throw new TimeoutException($"gave up waiting for {what} after {seconds} s{detail}");
            }
            await Task.Delay(100);
        }
    }
}
