using System.Diagnostics;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>
/// One real `timonel server` (with its controller manager, node grace period shortened to 3 s)
/// shared by the lifecycle test classes, which run one after another in this collection.
/// </summary>
public sealed class LifecycleCluster : IAsyncLifetime
{
    public const string GracePeriod = "3s";

    public ServerProcess Server { get; private set; } = null!;
    public ApiConnection Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartNewAsync("--node-monitor-grace-period", GracePeriod);
        Api = ApiConnection.FromKubeconfig(Server.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        (await Api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } })).Require();
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class LifecycleCollection : ICollectionFixture<LifecycleCluster>
{
    public const string Name = "lifecycle";
}

public static class Wait
{
    /// <summary>
    /// Polls until the probe returns a value; a liveness bound, not a speed assertion: failing
    /// after <paramref name="seconds"/> means the controller never did it.
    /// </summary>
    public static async Task<T> ForAsync<T>(string what, Func<Task<T?>> probe, int seconds = 30) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"not seen within {seconds} s: {what}");
            }
            await Task.Delay(100);
        }
    }

    public static Task ForAsync(string what, Func<Task<bool>> probe, int seconds = 30) =>
        ForAsync<object>(what, async () => await probe() ? new object() : null, seconds);

    public static Task GoneAsync<T>(ApiConnection api, string? ns, string name, int seconds = 30)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        ForAsync($"{typeof(T).Name} {ns}/{name} deleted", async () => (await api.GetAsync<T>(ns, name)).IsNotFound, seconds);
}

/// <summary>The real kubectl with the server's kubeconfig and a temp HOME (fresh discovery cache).</summary>
public sealed class KubectlRunner(ServerProcess server) : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("timonel-kubectl-home-").FullName;

    public async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["KUBECONFIG"] = server.Kubeconfig;
        psi.Environment["HOME"] = _home;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not return in 60 s: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir.
        }
    }
}
