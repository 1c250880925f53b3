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
        // The lean HTTP/2 connection, not the official client's: one binding per placed pod is the
        // scheduler's hottest API call.
        string? failure;
        try
        {
            var result = await api.BindAsync(binding);
            failure = result.Ok ? null : $"{(int)result.Code} {result.Error?.Reason}: {result.Error?.Message}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            failure = e.Message;
        }
        if (failure is null)
        {
            Scheduler?.BindingSucceeded(key);
            events.Normal(pod, "Scheduled", $"Successfully assigned {key} to {bind.NodeName}");
        }
        else
        {
            Scheduler?.BindingFailed(key);
            events.Warning(pod, "FailedScheduling", $"Binding rejected: {failure}");
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
