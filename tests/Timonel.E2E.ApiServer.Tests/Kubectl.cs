using System.Diagnostics;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>The result of one kubectl (or helm) run.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;
}

/// <summary>
/// Runs the real kubectl against a server, with its own HOME so the discovery cache starts empty,
/// and an optional stdin and environment (e.g. EDITOR for `kubectl edit`).
/// </summary>
public sealed class Kubectl(ServerProcess server) : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("timonel-kubectl-home-").FullName;

    public string Home => _home;

    public Task<CommandResult> RunAsync(params string[] args) => RunWithAsync(RepoPaths.Kubectl, null, null, args);

    public Task<CommandResult> RunWithInputAsync(string stdin, params string[] args) => RunWithAsync(RepoPaths.Kubectl, stdin, null, args);

    public Task<CommandResult> HelmAsync(params string[] args) => RunWithAsync(RepoPaths.Helm, null, null, args);

    public async Task<CommandResult> RunWithAsync(string binary, string? stdin, IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["KUBECONFIG"] = server.Kubeconfig;
        psi.Environment["HOME"] = _home;
        psi.Environment["XDG_CACHE_HOME"] = Path.Combine(_home, ".cache");
        psi.Environment["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config");
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(_home, ".local", "share");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(binary)} {string.Join(' ', args)} did not finish in 120 s; output so far:\n{await stdout}\n{await stderr}");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (e.g. `get -w`) and returns it; the caller kills it.</summary>
    public Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["KUBECONFIG"] = server.Kubeconfig;
        psi.Environment["HOME"] = _home;
        return Process.Start(psi)!;
    }

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }
}
