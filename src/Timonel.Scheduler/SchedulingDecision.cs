using k8s.Models;

namespace Timonel.Scheduler;

/// <summary>What the scheduler decided for one pod; the wiring turns it into API calls.</summary>
public abstract record SchedulingDecision(V1Pod Pod);

/// <summary>
/// Create a Binding of <see cref="SchedulingDecision.Pod"/> to <paramref name="NodeName"/>, then
/// report <see cref="PodScheduler.BindingSucceeded"/> or <see cref="PodScheduler.BindingFailed"/>. The
/// pod already counts on the node (assumed) so the next cycles do not overfill it.
/// </summary>
public sealed record BindPod(V1Pod Pod, string NodeName) : SchedulingDecision(Pod);

/// <summary>
/// The pod does not fit. Record a FailedScheduling event with <paramref name="Message"/> and set
/// the PodScheduled=False condition (reason Unschedulable, or SchedulerError when
/// <paramref name="IsError"/>). When preemption found room: delete <paramref name="Victims"/>
/// and set status.nominatedNodeName to <paramref name="NominatedNode"/>; the pod is retried when
/// the deletions arrive.
/// </summary>
public sealed record PodUnschedulable(V1Pod Pod, string Message, bool IsError, string? NominatedNode, IReadOnlyList<V1Pod> Victims)
    : SchedulingDecision(Pod);

/// <summary>Receives decisions as the scheduler makes them (the binder/event recorder seam).</summary>
public interface ISchedulingDecisionSink
{
    void Emit(SchedulingDecision decision);
}
