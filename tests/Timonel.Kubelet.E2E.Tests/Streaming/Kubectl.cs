using System.Diagnostics;
using Timonel.Testing;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>The real kubectl against a test server, with its own discovery cache.</summary>
/// <param name="environment">Extra environment, e.g. KUBECTL_PORT_FORWARD_WEBSOCKETS=false for kubectl's SPDY fallback.</param>
public sealed class Kubectl(string kubeconfig, string cacheDir, IReadOnlyDictionary<string, string>? environment = null)
{
    /// <summary>The arguments every run starts with (kubeconfig, cache dir).</summary>
    public IReadOnlyList<string> Arguments => ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir];

    public Kubectl With(string name, string value) =>
        new(kubeconfig, cacheDir, new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { [name] = value });

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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        foreach (var arg in Arguments.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info)!;
    }
}
