using System.Diagnostics;
using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Workloads;

/// <summary>One real `timonel server` (with its controller manager) shared by the workload tests; each test uses its own namespace.</summary>
public sealed class WorkloadsFixture : IAsyncLifetime
{
    private ServerProcess? _server;
    private string? _home;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");
    public ApiConnection Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartNewAsync();
        Api = ApiConnection.FromKubeconfig(_server.Kubeconfig);
        _home = Directory.CreateTempSubdirectory("timonel-kubectl-home-").FullName;
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_server is not null)
        {
            // For diagnosing failures: TIMONEL_TEST_SERVER_LOG=path keeps the server's log.
            if (Environment.GetEnvironmentVariable("TIMONEL_TEST_SERVER_LOG") is { Length: > 0 } log)
            {
                await File.WriteAllTextAsync(log, _server.Output);
            }
            await _server.DisposeAsync();
        }
        if (_home is not null)
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        (await Api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } })).Require();
        return name;
    }

    /// <summary>Runs the real kubectl against the server; returns (exit code, stdout + stderr).</summary>
    public async Task<(int Code, string Output)> KubectlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["KUBECONFIG"] = Server.Kubeconfig;
        psi.Environment["HOME"] = _home!;
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Polls until the condition holds; fails with the description and the last observed state.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> observe, Func<T, bool> done, string what, int seconds = 45)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last;
        do
        {
            last = await observe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; last: {KubernetesJson.Serialize(last)}");
    }

    /// <summary>A minimal deployment of one busybox container.</summary>
    public static V1Deployment Deployment(string ns, string name, int replicas, string image, string maxSurge, string maxUnavailable, int? historyLimit = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            RevisionHistoryLimit = historyLimit,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Strategy = new V1DeploymentStrategy
            {
                Type = "RollingUpdate",
                RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = maxSurge, MaxUnavailable = maxUnavailable },
            },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image }] },
            },
        },
    };
}

[CollectionDefinition("Workloads")]
public sealed class WorkloadsCollection : ICollectionFixture<WorkloadsFixture>;
