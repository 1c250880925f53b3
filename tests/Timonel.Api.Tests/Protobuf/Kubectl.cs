using System.Diagnostics;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>
/// Runs the real kubectl (.tools/bin/kubectl, installed by scripts/install-kubectl.sh) against one
/// server, with its own kubeconfig, HOME and cache in a temporary directory removed on dispose.
/// </summary>
internal sealed class Kubectl : IDisposable
{
    private readonly string _binary;

    public string WorkDir { get; }

    public Kubectl(string serverUrl)
    {
        _binary = Path.Combine(RepoRoot.Path, ".tools", "bin", "kubectl");
        if (!File.Exists(_binary))
        {
            throw new InvalidOperationException($"{_binary} is missing: run scripts/install-kubectl.sh");
        }
        WorkDir = Directory.CreateTempSubdirectory("timonel-kubectl-").FullName;
        File.WriteAllText(Path.Combine(WorkDir, "kubeconfig"), $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: capture
              cluster:
                server: {serverUrl}
                insecure-skip-tls-verify: true
            users:
            - name: tester
              user:
                token: capture-token
            contexts:
            - name: capture
              context:
                cluster: capture
                user: tester
            current-context: capture
            """);
    }

    /// <summary>Runs kubectl; <paramref name="flags"/> go before a `--` in args (after it they
    /// would become the container's command).</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args, params string[] flags)
    {
        var split = Array.IndexOf(args, "--");
        string[] all = split < 0
            ? [.. args, .. flags, "--cache-dir=" + Path.Combine(WorkDir, "cache")]
            : [.. args[..split], .. flags, "--cache-dir=" + Path.Combine(WorkDir, "cache"), .. args[split..]];
        var start = new ProcessStartInfo(_binary)
        {
            WorkingDirectory = WorkDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in all)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["KUBECONFIG"] = Path.Combine(WorkDir, "kubeconfig");
        start.Environment["HOME"] = WorkDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => Directory.Delete(WorkDir, recursive: true);
}

internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Timonel.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Timonel.slnx) not found above " + AppContext.BaseDirectory);
    }
}
