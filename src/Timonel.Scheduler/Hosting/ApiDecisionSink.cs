using System.Text.Json;
using k8s;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Client.Events;

namespace Timonel.Scheduler.Hosting;

/// <summary>
/// Turns scheduling decisions into API calls: a Binding for a placed pod (with a Scheduled event),
/// a FailedScheduling event and the PodScheduled=False condition for one that does not fit, and
/// for preemption the victims' deletion and status.nominatedNodeName. Calls run concurrently
/// (bounded), never on the scheduling loop itself.
/// </summary>
internal sealed class ApiDecisionSink(ApiConnection api, EventRecorder events, int concurrency) : ISchedulingDecisionSink
{
    private readonly SemaphoreSlim _slots = new(concurrency);

    public PodScheduler? Scheduler { get; set; }

    public void Emit(SchedulingDecision decision) => _ = RunAsync(decision);

    private async Task RunAsync(SchedulingDecision decision)
    {
        await _slots.WaitAsync();
        try
        {
            switch (decision)
            {
                case BindPod bind:
                    await BindAsync(bind);
                    break;
                case PodUnschedulable unschedulable:
                    await RecordUnschedulableAsync(unschedulable);
                    break;
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task BindAsync(BindPod bind)
    {
        var pod = bind.Pod;
        var key = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        var binding = new V1Binding
        {
            ApiVersion = "v1",
            Kind = "Binding",
            Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid },
            Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = bind.NodeName },
        };
        try
        {
            await api.Kubernetes.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Metadata.Name, pod.Metadata.NamespaceProperty);
            Scheduler?.BindingSucceeded(key);
            events.Normal(pod, "Scheduled", $"Successfully assigned {key} to {bind.NodeName}");
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or TaskCanceledException)
        {
            Scheduler?.BindingFailed(key);
            events.Warning(pod, "FailedScheduling", $"Binding rejected: {e.Message}");
        }
    }

    private async Task RecordUnschedulableAsync(PodUnschedulable decision)
    {
        var pod = decision.Pod;
        events.Warning(pod, "FailedScheduling", decision.Message);
        foreach (var victim in decision.Victims)
        {
            var deleted = await api.DeleteAsync<V1Pod>(victim.Metadata.NamespaceProperty, victim.Metadata.Name, preconditionUid: victim.Metadata.Uid);
            if (deleted.Ok)
            {
                events.Normal(victim, "Preempted", $"Preempted by pod {pod.Metadata.Uid} on node {decision.NominatedNode}");
            }
        }
        var condition = new
        {
            type = "PodScheduled",
            status = "False",
            reason = decision.IsError ? "SchedulerError" : "Unschedulable",
            message = decision.Message,
            lastTransitionTime = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
        var patch = decision.NominatedNode is null
            ? JsonSerializer.Serialize(new { status = new { conditions = new[] { condition } } })
            : JsonSerializer.Serialize(new { status = new { conditions = new[] { condition }, nominatedNodeName = decision.NominatedNode } });
        await api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, PatchType.StrategicMerge, patch, subresource: "status");
    }
}
