using System.Diagnostics;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>The README's first command: `./timonel up` gives a reachable cluster, `./timonel down` stops it.</summary>
public sealed class UpDownTests
{
    [Fact]
    public async Task Up_starts_a_server_in_the_background_and_down_stops_it()
    {
        var dataDir = Directory.CreateTempSubdirectory("timonel-up-").FullName;
        var port = ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var up = await RunAsync(Path.Combine(RepoPaths.Root, "timonel"), "up", "--data-dir", dataDir, "--https-listen-port", port, "--isolated");
            Assert.True(up.ExitCode == 0, up.All);
            Assert.Contains($"API server ready at https://127.0.0.1:{port}", up.Stdout);
            Assert.Contains($"export KUBECONFIG={dataDir}/kubeconfig", up.Stdout);

            var env = new Dictionary<string, string> { ["KUBECONFIG"] = Path.Combine(dataDir, "kubeconfig"), ["HOME"] = dataDir };
            var ns = await RunAsync(RepoPaths.Kubectl, env, "get", "namespaces", "-o", "name");
            Assert.True(ns.ExitCode == 0, ns.All);
            Assert.Contains("namespace/kube-system", ns.Stdout);

            var down = await RunAsync(Path.Combine(RepoPaths.Root, "timonel"), "down", "--data-dir", dataDir);
            Assert.True(down.ExitCode == 0, down.All);
            Assert.Contains("stopped the server", down.Stdout);
            var after = await RunAsync(RepoPaths.Kubectl, env, "get", "namespaces", "--request-timeout=3s");
            Assert.NotEqual(0, after.ExitCode);
        }
        finally
        {
            await RunAsync(Path.Combine(RepoPaths.Root, "timonel"), "down", "--data-dir", dataDir);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static Task<CommandResult> RunAsync(string binary, params string[] args) => RunAsync(binary, null, args);

    private static async Task<CommandResult> RunAsync(string binary, IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await p.WaitForExitAsync(timeout.Token);
        return new CommandResult(p.ExitCode, await stdout, await stderr);
    }
}
