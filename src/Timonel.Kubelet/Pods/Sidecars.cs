using k8s.Models;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Native sidecars: init containers with <c>restartPolicy: Always</c>. They start in their place
/// among the init containers, but the next one starts as soon as the sidecar has started (its
/// startup probe passed, or it runs when it has none); they keep running beside the main
/// containers, are restarted whenever they exit (with back-off) whatever the pod's restartPolicy,
/// and are stopped after the main containers, in reverse order of declaration.
/// </summary>
internal static class Sidecars
{
    public static bool Is(V1Container container) => container.RestartPolicy == "Always";

    public static bool Is(V1Pod pod, string name) => (pod.Spec?.InitContainers ?? []).Any(c => c.Name == name && Is(c));

    /// <summary>The pod's sidecars in order of declaration.</summary>
    public static IEnumerable<V1Container> Of(V1Pod pod) => (pod.Spec?.InitContainers ?? []).Where(Is);

    /// <summary>
    /// True when some main container was ever created: initialization is over, sidecars are
    /// restarted on their own and no longer hold anything back.
    /// </summary>
    public static bool PodInitialized(V1Pod pod, PodRuntimeView view) => pod.Spec.Containers.Any(c => view.Newest(c.Name) is not null);

    /// <summary>
    /// True when the main containers are done for good (restartPolicy Never: all exited;
    /// OnFailure: all exited 0): the sidecars have nothing left to serve and are stopped.
    /// </summary>
    public static bool MainContainersCompleted(V1Pod pod, PodRuntimeView view)
    {
        var policy = pod.Spec.RestartPolicy ?? "Always";
        return policy != "Always" && pod.Spec.Containers.All(c => view.Newest(c.Name) is { IsExited: true } exited
            && (policy == "Never" || exited.Status.ExitCode == 0));
    }
}
