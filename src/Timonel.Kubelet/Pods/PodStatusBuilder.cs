using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>Why a container waits, as this sync found it (CrashLoopBackOff, ErrImagePull, CreateContainerConfigError, ...).</summary>
internal readonly record struct WaitingReason(string Reason, string? Message);

/// <summary>
/// The pod's status as the kubelet reports it, computed from the pod, what the runtime has
/// (PodRuntimeView), the waiting reasons of this sync and the probes. Pure: no calls, no clock.
/// The final status of a deleted pod (<c>podIsTerminal</c>) is built once its containers stopped:
/// the phase is Succeeded or Failed, and a container that shows no exit is reported terminated
/// with ContainerStatusUnknown (137), as upstream's status manager does when it terminates a pod.
/// </summary>
internal static class PodStatusBuilder
{
    public static V1PodStatus Build(V1Pod pod, PodRuntimeView view, IReadOnlyDictionary<string, WaitingReason> waiting,
        IContainerProbes probes, string hostIp, DateTime now, IReadOnlyDictionary<string, string>? terminationMessages = null,
        bool podIsTerminal = false)
    {
        var messages = terminationMessages ?? new Dictionary<string, string>();
        now = Seconds(now);
        var old = pod.Status ?? new V1PodStatus();
        var initSpecs = pod.Spec.InitContainers ?? [];
        var initStatuses = initSpecs.Select(c => ContainerStatus(c, view, waiting, probes, messages, isInit: true)).ToList();
        // Sidecars are initialized once started; regular init containers once they exited 0.
        var regularInit = initStatuses.Where((_, i) => !Sidecars.Is(initSpecs[i])).ToList();
        var sidecarsStarted = initStatuses.Where((_, i) => Sidecars.Is(initSpecs[i])).All(s => s.Started == true);
        var initialized = Sidecars.PodInitialized(pod, view);
        var initDone = (regularInit.All(s => s.State.Terminated?.ExitCode == 0) && sidecarsStarted) || initialized;
        var statuses = pod.Spec.Containers.Select(c => ContainerStatus(c, view, waiting, probes, messages, isInit: false, initDone)).ToList();
        if (podIsTerminal)
        {
            // Containers of an initialized pod, and init containers that ran, must show how they ended.
            MarkUnknownEnd(statuses.Where(_ => initDone));
            MarkUnknownEnd(initStatuses.Where(s => s.ContainerID is not null));
        }
        var phase = old.Phase is "Succeeded" or "Failed" ? old.Phase
            : PodPhases.Compute(pod.Spec.RestartPolicy, regularInit, statuses, sidecarsPending: !sidecarsStarted && !initialized, podIsTerminal);
        if (podIsTerminal && phase is not ("Succeeded" or "Failed"))
        {
            // Never initialized (or never started): nothing will run again, so the pod failed.
            phase = "Failed";
        }
        // A host-network pod has the node's address; otherwise the sandbox's, or the last one reported once it stopped.
        var podIp = pod.Spec.HostNetwork == true ? hostIp : view.PodIp ?? old.PodIP;
        var conditions = PodConditions.Build(pod, old, phase, view.ReadySandbox is not null, initDone, initStatuses, statuses, now);
        return new V1PodStatus
        {
            Phase = phase,
            Conditions = conditions,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = podIp,
            PodIPs = podIp is null ? null : [new V1PodIP { Ip = podIp }],
            StartTime = old.StartTime ?? now,
            QosClass = Containers.QosClass.Of(pod),
            InitContainerStatuses = initSpecs.Count == 0 ? null : initStatuses,
            ContainerStatuses = statuses,
            // Fields other components own survive the kubelet's writes.
            NominatedNodeName = old.NominatedNodeName,
            Message = old.Message,
            Reason = old.Reason,
        };
    }

    private static V1ContainerStatus ContainerStatus(V1Container spec, PodRuntimeView view, IReadOnlyDictionary<string, WaitingReason> waiting,
        IContainerProbes probes, IReadOnlyDictionary<string, string> messages, bool isInit, bool initDone = true)
    {
        var instances = view.Of(spec.Name);
        var current = instances.FirstOrDefault();
        var previous = instances.Skip(1).FirstOrDefault(i => i.IsExited);
        var status = new V1ContainerStatus
        {
            Name = spec.Name,
            Image = spec.Image,
            ImageID = current?.Status.ImageRef ?? "",
            ContainerID = current is null ? null : ContainerId(current.Id),
            RestartCount = current?.RestartCount ?? 0,
            Ready = false,
            Started = false,
            LastState = previous is null ? new V1ContainerState() : new V1ContainerState { Terminated = Terminated(previous, messages) },
        };
        waiting.TryGetValue(spec.Name, out var why);
        var defaultWaiting = new WaitingReason(isInit || initDone ? "ContainerCreating" : "PodInitializing", null);
        if (current is null)
        {
            status.State = Waiting(string.IsNullOrEmpty(why.Reason) ? defaultWaiting : why);
        }
        else if (current.IsRunning)
        {
            status.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Seconds(current.StartedAt.UtcDateTime) } };
            if (isInit && !Sidecars.Is(spec))
            {
                status.Started = true;
            }
            else
            {
                var probe = probes.StateOf(current.Id);
                status.Started = probe.Started;
                status.Ready = probe.Started && probe.Ready;
            }
        }
        else if (current.IsExited)
        {
            if (!string.IsNullOrEmpty(why.Reason))
            {
                // Waiting to be restarted (back-off) or unable to start again: the exit is the last state.
                status.State = Waiting(why);
                status.LastState = new V1ContainerState { Terminated = Terminated(current, messages) };
            }
            else
            {
                status.State = new V1ContainerState { Terminated = Terminated(current, messages) };
                status.Ready = isInit && !Sidecars.Is(spec) && current.Status.ExitCode == 0;
            }
        }
        else
        {
            status.State = Waiting(string.IsNullOrEmpty(why.Reason) ? new WaitingReason("ContainerCreating", null) : why);
        }
        return status;
    }

    public static string ContainerId(string id) => "containerd://" + id;

    private static void MarkUnknownEnd(IEnumerable<V1ContainerStatus> statuses)
    {
        foreach (var status in statuses.Where(s => s.State?.Terminated is null))
        {
            status.State = new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = 137,
                    Reason = "ContainerStatusUnknown",
                    Message = "The container could not be located when the pod was terminated",
                },
            };
            status.Ready = false;
            status.Started = false;
        }
    }

    private static V1ContainerState Waiting(WaitingReason why) =>
        new() { Waiting = new V1ContainerStateWaiting { Reason = why.Reason, Message = string.IsNullOrEmpty(why.Message) ? null : why.Message } };

    /// <summary>The runtime's message, then the container's termination message (joined by ": ", as the kubelet does).</summary>
    private static V1ContainerStateTerminated Terminated(ContainerInstance instance, IReadOnlyDictionary<string, string> messages)
    {
        var s = instance.Status;
        var message = messages.TryGetValue(instance.Id, out var written)
            ? string.IsNullOrEmpty(s.Message) ? written : s.Message + ": " + written
            : s.Message;
        return new V1ContainerStateTerminated
        {
            ExitCode = s.ExitCode,
            // containerd says Completed, Error, OOMKilled or StartError; the kubelet's fallback otherwise.
            Reason = !string.IsNullOrEmpty(s.Reason) ? s.Reason : s.ExitCode == 0 ? "Completed" : "Error",
            Message = string.IsNullOrEmpty(message) ? null : message,
            StartedAt = s.StartedAt == 0 ? null : Seconds(instance.StartedAt.UtcDateTime),
            FinishedAt = s.FinishedAt == 0 ? null : Seconds(instance.FinishedAt.UtcDateTime),
            ContainerID = ContainerId(instance.Id),
        };
    }

    /// <summary>API times are whole seconds (metav1.Time); rounding here keeps an unchanged status byte-equal to the stored one.</summary>
    public static DateTime Seconds(DateTime t)
    {
        var utc = t.Kind == DateTimeKind.Utc ? t : t.ToUniversalTime();
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
