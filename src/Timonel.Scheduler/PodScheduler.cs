using k8s.Models;
using Timonel.Scheduler.Algorithm;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins.DefaultPreemption;
using Timonel.Scheduler.Plugins.PodTopologySpread;
using Timonel.Scheduler.Queue;

namespace Timonel.Scheduler;

/// <summary>
/// The scheduler without I/O: informer notifications go in (On* methods, any thread), decisions
/// come out of <see cref="ScheduleOne"/> (one caller at a time) through the sink. A pending pod is
/// one without spec.nodeName whose spec.schedulerName is this profile's; bound pods feed the
/// cache. The wiring calls ScheduleOne in a loop, performs the binding asynchronously and reports
/// back with <see cref="BindingSucceeded"/>/<see cref="BindingFailed"/>.
/// </summary>
public sealed class PodScheduler
{
    private readonly TimeProvider _time;
    private readonly ISchedulingDecisionSink _sink;
    private readonly SchedulingAlgorithm _algorithm;
    private readonly Profile _profile;
    private readonly Dictionary<string, QueuedPod> _binding = new(StringComparer.Ordinal);
    private readonly object _bindingLock = new();

    public PodScheduler(SchedulerOptions options, TimeProvider time, ISchedulingDecisionSink sink, Profile? profile = null, Random? random = null)
    {
        options = options.Validated();
        _time = time;
        _sink = sink;
        _profile = profile ?? Profile.Default(workloads: Workloads, budgets: Budgets);
        _algorithm = new SchedulingAlgorithm(_profile, options, random ?? new Random(), Nominator);
        Cache = new SchedulerCache(time, options.AssumedPodTtl);
        Queue = new SchedulingQueue(time, options);
    }

    public SchedulerCache Cache { get; }

    public SchedulingQueue Queue { get; }

    /// <summary>
    /// Service and controller selectors for the default spreading of a workload's pods across
    /// hosts and zones; the wiring feeds it from Service/ReplicaSet/StatefulSet informers.
    /// </summary>
    public WorkloadSelectors Workloads { get; } = new();

    /// <summary>PodDisruptionBudgets preemption tries not to break; fed from the PDB informer.</summary>
    public DisruptionBudgets Budgets { get; } = new();

    /// <summary>Pods waiting for preemption victims to leave, and the nodes reserved for them.</summary>
    public Nominator Nominator { get; } = new();

    public void OnNodeAdded(V1Node node)
    {
        Cache.AddOrUpdateNode(node);
        Queue.MoveAllToActiveOrBackoff();
    }

    public void OnNodeUpdated(V1Node node)
    {
        Cache.AddOrUpdateNode(node);
        Queue.MoveAllToActiveOrBackoff();
    }

    public void OnNodeDeleted(string name) => Cache.RemoveNode(name);

    public void OnPodAdded(V1Pod pod) => OnPodUpdated(pod);

    public void OnPodUpdated(V1Pod pod)
    {
        var info = new PodInfo(pod);
        if (info.NodeName.Length > 0)
        {
            Queue.Delete(info.Key);
            Nominator.Remove(info.Key);
            Cache.AddOrUpdatePod(pod);
            // A placed pod can satisfy another's affinity or change spreading counts.
            Queue.MoveForAssignedPod();
        }
        else if (IsPendingForUs(pod))
        {
            if (!string.IsNullOrEmpty(pod.Status?.NominatedNodeName))
            {
                Nominator.Nominate(info, pod.Status.NominatedNodeName);
            }
            Queue.Update(info);
        }
        else
        {
            Queue.Delete(info.Key);
            Nominator.Remove(info.Key);
        }
    }

    public void OnPodDeleted(V1Pod pod)
    {
        var key = new PodInfo(pod).Key;
        Queue.Delete(key);
        Nominator.Remove(key);
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName) || Cache.IsAssumed(key))
        {
            Cache.RemovePod(key);
            // Freed room may let unschedulable pods fit.
            Queue.MoveAllToActiveOrBackoff();
        }
    }

    /// <summary>Schedules the next ready pod; null when none is ready.</summary>
    public SchedulingDecision? ScheduleOne()
    {
        foreach (var _ in Cache.CleanupExpiredAssumedPods())
        {
            Queue.MoveAllToActiveOrBackoff();
            break;
        }
        if (!Queue.TryPop(out var queued))
        {
            return null;
        }
        var pod = queued.Pod;
        var result = _algorithm.Schedule(pod, Cache.Current());
        SchedulingDecision decision;
        if (result.Host is { } host)
        {
            Cache.AssumePod(pod, host);
            Nominator.Remove(pod.Key);
            lock (_bindingLock)
            {
                _binding[pod.Key] = queued;
            }
            decision = new BindPod(pod.Pod, host);
        }
        else
        {
            var failure = result.Failure!;
            if (failure.NominatedNode is { } nominated)
            {
                // Reserve the room now; the victims' deletions arrive later.
                Nominator.Nominate(pod, nominated);
            }
            if (failure.IsError)
            {
                Queue.AddBackoff(queued);
            }
            else
            {
                Queue.AddUnschedulable(queued, failure.RejectingPlugins());
            }
            decision = new PodUnschedulable(pod.Pod, failure.Message, failure.IsError, failure.NominatedNode,
                failure.Victims.Select(v => v.Pod).ToList());
        }
        _sink.Emit(decision);
        return decision;
    }

    /// <summary>The Binding was created; the assumed pod stays until the API confirms it.</summary>
    public void BindingSucceeded(string podKey)
    {
        Cache.FinishBinding(podKey);
        lock (_bindingLock)
        {
            _binding.Remove(podKey);
        }
        Queue.Done(podKey);
    }

    /// <summary>The Binding failed: the node's room is released and the pod retried after backoff.</summary>
    public void BindingFailed(string podKey)
    {
        Cache.ForgetPod(podKey);
        QueuedPod? queued;
        lock (_bindingLock)
        {
            _binding.Remove(podKey, out queued);
        }
        if (queued is not null)
        {
            Queue.AddBackoff(queued);
        }
        Queue.MoveAllToActiveOrBackoff();
    }

    private bool IsPendingForUs(V1Pod pod) =>
        (pod.Spec?.SchedulerName ?? "default-scheduler") == _profile.SchedulerName &&
        pod.Metadata?.DeletionTimestamp is null &&
        pod.Status?.Phase is not ("Succeeded" or "Failed");
}
