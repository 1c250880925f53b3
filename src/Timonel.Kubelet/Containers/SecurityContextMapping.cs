using k8s.Models;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Containers;

/// <summary>
/// securityContext into CRI, as the kubelet merges it: runAsUser, runAsGroup and runAsNonRoot of
/// the container override the pod's; capabilities, privileged, readOnlyRootFilesystem,
/// allowPrivilegeEscalation and procMount are the container's only; supplementalGroups and
/// fsGroup are the pod's (fsGroup first). Namespaces follow hostNetwork, hostIPC, hostPID and
/// shareProcessNamespace.
/// </summary>
public static class SecurityContextMapping
{
    // The runtime's default masked and read-only /proc and /sys paths, which the kubelet sends for
    // the Default procMount (containerd's CRI applies none of its own when the lists are empty).
    private static readonly string[] DefaultMaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    private static readonly string[] DefaultReadonlyPaths =
        ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    public static NamespaceOption Namespaces(V1Pod pod) => new()
    {
        Network = pod.Spec?.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
        Ipc = pod.Spec?.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
        Pid = pod.Spec?.HostPID == true ? NamespaceMode.Node
            : pod.Spec?.ShareProcessNamespace == true ? NamespaceMode.Pod
            : NamespaceMode.Container,
    };

    public static long? RunAsUser(V1Pod pod, V1Container container) =>
        container.SecurityContext?.RunAsUser ?? pod.Spec?.SecurityContext?.RunAsUser;

    public static long? RunAsGroup(V1Pod pod, V1Container container) =>
        container.SecurityContext?.RunAsGroup ?? pod.Spec?.SecurityContext?.RunAsGroup;

    public static bool RunAsNonRoot(V1Pod pod, V1Container container) =>
        (container.SecurityContext?.RunAsNonRoot ?? pod.Spec?.SecurityContext?.RunAsNonRoot) == true;

    /// <summary>fsGroup, then supplementalGroups, of the pod.</summary>
    public static List<long> SupplementalGroups(V1Pod pod)
    {
        var groups = new List<long>();
        var sc = pod.Spec?.SecurityContext;
        if (sc?.FsGroup is { } fsGroup)
        {
            groups.Add(fsGroup);
        }
        groups.AddRange((sc?.SupplementalGroups ?? []).Where(g => g is not null).Select(g => g!.Value));
        return groups;
    }

    /// <summary>
    /// The container's CRI security context. <paramref name="imageUid"/> and <paramref name="imageUser"/>
    /// (from the image's status) fill in the user when securityContext sets none, as the kubelet does;
    /// without them the runtime uses the image's user itself.
    /// </summary>
    public static LinuxContainerSecurityContext ForContainer(V1Pod pod, V1Container container, long? imageUid = null, string? imageUser = null)
    {
        var sc = container.SecurityContext;
        var result = new LinuxContainerSecurityContext
        {
            Privileged = sc?.Privileged == true,
            ReadonlyRootfs = sc?.ReadOnlyRootFilesystem == true,
            NamespaceOptions = Namespaces(pod),
            // no_new_privs only when allowPrivilegeEscalation is explicitly false.
            NoNewPrivs = sc?.AllowPrivilegeEscalation == false,
        };
        if (sc?.Capabilities is { } caps)
        {
            result.Capabilities = new Capability();
            result.Capabilities.AddCapabilities.AddRange(caps.Add ?? []);
            result.Capabilities.DropCapabilities.AddRange(caps.Drop ?? []);
        }
        if (RunAsUser(pod, container) is { } uid)
        {
            result.RunAsUser = new Int64Value { Value = uid };
        }
        else if (imageUid is { } fromImage)
        {
            result.RunAsUser = new Int64Value { Value = fromImage };
        }
        else if (!string.IsNullOrEmpty(imageUser))
        {
            result.RunAsUsername = imageUser;
        }
        if (RunAsGroup(pod, container) is { } gid)
        {
            result.RunAsGroup = new Int64Value { Value = gid };
        }
        result.SupplementalGroups.AddRange(SupplementalGroups(pod));
        if (!result.Privileged && sc?.ProcMount != "Unmasked")
        {
            result.MaskedPaths.AddRange(DefaultMaskedPaths);
            result.ReadonlyPaths.AddRange(DefaultReadonlyPaths);
        }
        return result;
    }

    /// <summary>
    /// The kubelet's runAsNonRoot check before a container is created; null when it passes. The
    /// image's user counts when securityContext sets no runAsUser: a numeric 0, or no user at all,
    /// is root; a user name cannot be verified.
    /// </summary>
    public static string? VerifyRunAsNonRoot(V1Pod pod, V1Container container, long? imageUid, string? imageUser)
    {
        if (!RunAsNonRoot(pod, container))
        {
            return null;
        }
        var podName = $"{pod.Metadata?.Name}_{pod.Metadata?.NamespaceProperty}({pod.Metadata?.Uid})";
        if (RunAsUser(pod, container) is { } uid)
        {
            return uid == 0 ? $"container's runAsUser breaks non-root policy (pod: \"{podName}\", container: {container.Name})" : null;
        }
        if (imageUid is null && !string.IsNullOrEmpty(imageUser))
        {
            return $"container has runAsNonRoot and image has non-numeric user ({imageUser}), cannot verify user is non-root (pod: \"{podName}\", container: {container.Name})";
        }
        return (imageUid ?? 0) == 0
            ? $"container has runAsNonRoot and image will run as root (pod: \"{podName}\", container: {container.Name})"
            : null;
    }
}
