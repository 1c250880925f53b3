using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// The pod phase from its containers' statuses, by the kubelet's rules: init containers first
/// (an init failure with restartPolicy Never fails the pod, an unfinished one keeps it Pending),
/// then the containers: any waiting without a previous exit is Pending; else any running is Running;
/// all stopped is Running under Always (they restart), Succeeded when every one exited 0, else
/// Failed under Never and Running under OnFailure (the failed ones restart). A terminal pod (being
/// deleted, its containers stopped for good) restarts nothing, so all stopped is Succeeded when
/// every one exited 0 and Failed otherwise, whatever the policy.
/// </summary>
internal static class PodPhases
{
    /// <param name="init">The regular init containers (sidecars never fail the pod: their exits are restarts or the pod's own stop).</param>
    /// <param name="sidecarsPending">A sidecar has not started yet and no container was created: the pod is still initializing.</param>
    /// <param name="podIsTerminal">The pod is being deleted and its containers were stopped: none will run again.</param>
    public static string Compute(string? restartPolicy, IReadOnlyList<V1ContainerStatus> init, IReadOnlyList<V1ContainerStatus> containers,
        bool sidecarsPending = false, bool podIsTerminal = false)
    {
        var policy = restartPolicy ?? "Always";
        int pendingInit = 0, failedInit = 0;
        foreach (var s in init)
        {
            if (s.State?.Terminated is { } t)
            {
                if (t.ExitCode != 0)
                {
                    failedInit++;
                }
            }
            else if (s.State?.Waiting is not null && s.LastState?.Terminated is { ExitCode: not 0 })
            {
                failedInit++;
            }
            else
            {
                pendingInit++;
            }
        }
        int running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var s in containers)
        {
            if (s.State?.Running is not null)
            {
                running++;
            }
            else if (s.State?.Terminated is { } t)
            {
                stopped++;
                if (t.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (s.LastState?.Terminated is not null)
            {
                stopped++;
            }
            else
            {
                waiting++;
            }
        }
        if (failedInit > 0 && policy == "Never")
        {
            return "Failed";
        }
        if ((pendingInit > 0 || failedInit > 0 || sidecarsPending) && running + stopped == 0)
        {
            return "Pending";
        }
        if (waiting > 0)
        {
            return "Pending";
        }
        if (running > 0)
        {
            return "Running";
        }
        if (stopped > 0)
        {
            if (podIsTerminal)
            {
                return stopped == succeeded ? "Succeeded" : "Failed";
            }
            if (policy == "Always")
            {
                return "Running";
            }
            if (stopped == succeeded)
            {
                return "Succeeded";
            }
            return policy == "Never" ? "Failed" : "Running";
        }
        return "Pending";
    }
}
