using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>CRI configs as a kubelet would send them for a plain pod on <see cref="ContainerdNode"/>.</summary>
internal static class PodSpecs
{
    /// <param name="uid">The pod's uid (an API pod's, when the test has one); a new one by default.</param>
    public static PodSandboxConfig Sandbox(ContainerdNode node, string name, string? uid = null)
    {
        uid ??= Guid.NewGuid().ToString();
        var logDirectory = Path.Combine(node.PodLogRoot, $"default_{name}_{uid}");
        Directory.CreateDirectory(logDirectory);
        return new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "default", Uid = uid },
            Hostname = name,
            LogDirectory = logDirectory,
            Labels = { ["io.kubernetes.pod.name"] = name },
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = $"{node.CgroupParent}/pod{uid}",
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
                },
            },
        };
    }

    public static ContainerConfig Container(string name, string image, params string[] command)
    {
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = name },
            Image = new ImageSpec { Image = image },
            LogPath = $"{name}/0.log",
            Linux = new LinuxContainerConfig { Resources = new LinuxContainerResources() },
        };
        config.Command.AddRange(command);
        return config;
    }
}
