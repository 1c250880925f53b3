using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>
/// One real `timonel server` (with its controller manager) per test class. There is no kubelet or
/// scheduler: tests play their parts by binding pods and writing pod status themselves.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private ServerProcess? _server;
    private ApiConnection? _api;
    private int _namespaces;

    public ApiConnection Api => _api ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartNewAsync();
        _api = ApiConnection.FromKubeconfig(_server.Kubeconfig);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public string ServerOutput => _server?.Output ?? "";

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        (await Api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } })).Require();
        return name;
    }

    /// <summary>Polls until the condition holds; fails with what was last seen after the timeout.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}; last seen: {k8s.KubernetesJson.Serialize(value)}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>What a kubelet reports for a started pod: Running, an IP, and Ready as asked.</summary>
    public async Task SetRunningAsync(V1Pod pod, string ip, bool ready)
    {
        var now = DateTime.UtcNow;
        for (var attempt = 0; ; attempt++)
        {
            var current = (await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name)).Require();
            current.Status ??= new V1PodStatus();
            current.Status.Phase = "Running";
            current.Status.PodIP = ip;
            current.Status.PodIPs = [new V1PodIP { Ip = ip }];
            current.Status.Conditions =
            [
                new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now },
            ];
            var result = await Api.UpdateStatusAsync(current);
            if (result.Ok || attempt > 5)
            {
                result.Require();
                return;
            }
        }
    }

    /// <summary>What a kubelet reports when every container has exited.</summary>
    public async Task SetFinishedAsync(V1Pod pod, bool succeeded)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = (await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name)).Require();
            current.Status ??= new V1PodStatus();
            current.Status.Phase = succeeded ? "Succeeded" : "Failed";
            current.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "False", LastTransitionTime = DateTime.UtcNow }];
            var result = await Api.UpdateStatusAsync(current);
            if (result.Ok || attempt > 5)
            {
                result.Require();
                return;
            }
        }
    }

    /// <summary>What a kubelet does at the end of a pod's grace period: delete it for good.</summary>
    public async Task ForceDeleteAsync(V1Pod pod)
    {
        try
        {
            await Api.Kubernetes.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, new V1DeleteOptions { GracePeriodSeconds = 0 });
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    public async Task<IReadOnlyList<V1Pod>> PodsAsync(string ns, string? labelSelector = null) =>
        (await Api.ListAsync<V1Pod>(ns, new ListOptions { LabelSelector = labelSelector })).Require().Items;
}
