using System.Diagnostics;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>The real kubectl against a test server, with its own discovery cache.</summary>
public sealed class Kubectl(string kubeconfig, string cacheDir)
{
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string? stdin, params string[] args)
    {
        using var process = Start(args, redirectStdin: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Started and left running (logs -f); the caller reads its output and waits for it.</summary>
    public Process Start(string[] args, bool redirectStdin = false)
    {
        var info = new ProcessStartInfo(RepoPaths.Kubectl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
        };
        foreach (var arg in new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }
}
