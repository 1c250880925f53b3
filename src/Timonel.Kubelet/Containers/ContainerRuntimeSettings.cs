using k8s.Models;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Containers;

/// <summary>
/// The Linux side of containers and sandboxes (see <see cref="ResourceMapping"/> and
/// <see cref="SecurityContextMapping"/>). Stateless and thread-safe.
/// </summary>
/// <param name="memoryCapacityBytes">
/// The node's memory capacity, which Burstable containers' OOM score is measured against; when 0,
/// the node's allocatable memory from the pod context is used.
/// </param>
public sealed class ContainerRuntimeSettings(long memoryCapacityBytes = 0) : IContainerRuntimeSettings
{
    public LinuxContainerConfig ForContainer(PodContext pod, V1Container container) => ForContainer(pod, container, null, null);

    /// <summary>As <see cref="ForContainer(PodContext, V1Container)"/>, with the image's user from CRI ImageStatus (uid or name).</summary>
    public LinuxContainerConfig ForContainer(PodContext pod, V1Container container, long? imageUid, string? imageUser) => new()
    {
        Resources = ResourceMapping.For(pod.Pod, container, MemoryCapacity(pod)),
        SecurityContext = SecurityContextMapping.ForContainer(pod.Pod, container, imageUid, imageUser),
    };

    /// <summary>Null when the container may run; else the CreateContainerConfigError message (runAsNonRoot).</summary>
    public static string? Verify(PodContext pod, V1Container container, Image? image) =>
        SecurityContextMapping.VerifyRunAsNonRoot(pod.Pod, container, image?.Uid?.Value,
            image is null ? null : image.Username);

    public LinuxPodSandboxConfig ForSandbox(PodContext pod, string cgroupParent)
    {
        var spec = pod.Pod.Spec;
        var sc = spec?.SecurityContext;
        var security = new LinuxSandboxSecurityContext
        {
            NamespaceOptions = SecurityContextMapping.Namespaces(pod.Pod),
            // The sandbox is privileged when any container is, so that container's privileges can work.
            Privileged = (spec?.Containers ?? []).Concat(spec?.InitContainers ?? []).Any(c => c.SecurityContext?.Privileged == true),
        };
        if (sc?.RunAsUser is { } uid)
        {
            security.RunAsUser = new Int64Value { Value = uid };
        }
        // containerd refuses a group without a user ("user group ... is specified without user");
        // the pause process's group matters to nobody, so the group goes only with a user.
        if (sc?.RunAsGroup is { } gid && sc.RunAsUser is not null)
        {
            security.RunAsGroup = new Int64Value { Value = gid };
        }
        security.SupplementalGroups.AddRange(SecurityContextMapping.SupplementalGroups(pod.Pod));
        var config = new LinuxPodSandboxConfig { CgroupParent = cgroupParent, SecurityContext = security };
        foreach (var sysctl in sc?.Sysctls ?? [])
        {
            config.Sysctls[sysctl.Name] = sysctl.Value;
        }
        return config;
    }

    private long MemoryCapacity(PodContext pod)
    {
        if (memoryCapacityBytes > 0)
        {
            return memoryCapacityBytes;
        }
        return pod.NodeAllocatable.TryGetValue("memory", out var q) ? (long)Math.Ceiling(q.ToDecimal()) : 0;
    }
}
