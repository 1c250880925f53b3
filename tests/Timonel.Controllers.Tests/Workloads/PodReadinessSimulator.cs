using k8s;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Workloads;

/// <summary>
/// Stands in for the missing scheduler and kubelet in one namespace: every 50 ms it binds
/// unscheduled pods to a fake node (pods/binding), marks bound pods Running and Ready (or not
/// ready, as <see cref="ShouldBeReady"/> says) through the status subresource, and finishes the
/// deletion of terminating pods as a kubelet would once their containers stopped.
/// </summary>
public sealed class PodReadinessSimulator : IAsyncDisposable
{
    private readonly ApiConnection _api;
    private readonly string _ns;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PodReadinessSimulator(ApiConnection api, string ns, Func<V1Pod, bool>? shouldBeReady = null)
    {
        _api = api;
        _ns = ns;
        ShouldBeReady = shouldBeReady ?? (_ => true);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Which pods are ready; may be replaced while running.</summary>
    public Func<V1Pod, bool> ShouldBeReady { get; set; }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var pods = (await _api.ListAsync<V1Pod>(_ns, ct: _stop.Token)).Require().Items;
                foreach (var pod in pods)
                {
                    await StepAsync(pod);
                }
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task StepAsync(V1Pod pod)
    {
        var name = pod.Metadata.Name;
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            await _api.Kubernetes.CoreV1.DeleteNamespacedPodAsync(name, _ns, gracePeriodSeconds: 0, cancellationToken: _stop.Token)
                .ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        if (string.IsNullOrEmpty(pod.Spec.NodeName))
        {
            var binding = new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _ns },
                Target = new V1ObjectReference { Kind = "Node", Name = "sim-node", ApiVersion = "v1" },
            };
            // A failure (pod gone meanwhile) is retried on the next round.
            await _api.Kubernetes.CoreV1.CreateNamespacedPodBindingAsync(binding, name, _ns, cancellationToken: _stop.Token)
                .ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        var want = ShouldBeReady(pod);
        var ready = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "True";
        if (pod.Status?.Phase == "Running" && ready == want)
        {
            return;
        }
        var now = DateTime.UtcNow;
        pod.Status ??= new V1PodStatus();
        pod.Status.Phase = "Running";
        pod.Status.Conditions = (pod.Status.Conditions ?? []).Where(c => c.Type != "Ready").Append(
            new V1PodCondition { Type = "Ready", Status = want ? "True" : "False", LastTransitionTime = now }).ToList();
        // A conflict (the pod changed meanwhile) is retried on the next round.
        await _api.UpdateStatusAsync(pod, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
