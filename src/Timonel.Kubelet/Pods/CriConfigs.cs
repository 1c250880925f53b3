using System.Globalization;
using k8s.Models;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>The CRI configs of a pod's sandbox and containers, built from the pod as the kubelet builds them.</summary>
internal static class CriConfigs
{
    public static string LogDirectory(string logRoot, V1Pod pod) =>
        Path.Combine(logRoot, $"{pod.Metadata.NamespaceProperty}_{pod.Metadata.Name}_{pod.Metadata.Uid}");

    public static string CgroupParent(string cgroupRoot, string podUid) => $"{cgroupRoot.TrimEnd('/')}/pod{podUid}";

    public static PodSandboxConfig Sandbox(PodContext context, PodWorkerOptions options, IContainerRuntimeSettings settings, uint attempt,
        PodDnsConfigurer? dns = null)
    {
        var pod = context.Pod;
        var meta = pod.Metadata;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = meta.Name, Namespace = meta.NamespaceProperty, Uid = meta.Uid, Attempt = attempt },
            Hostname = Hostname(pod),
            LogDirectory = LogDirectory(options.PodLogRoot, pod),
            Linux = settings.ForSandbox(context, CgroupParent(options.EffectiveCgroupRoot, meta.Uid)),
        };
        if (dns?.Invoke(pod) is { } resolver)
        {
            config.DnsConfig = resolver;
        }
        // The cgroup parent is the worker's decision: whatever the settings did, it is this.
        config.Linux.CgroupParent = CgroupParent(options.EffectiveCgroupRoot, meta.Uid);
        foreach (var (k, v) in meta.Labels ?? new Dictionary<string, string>())
        {
            config.Labels[k] = v;
        }
        config.Labels[CriLabels.PodName] = meta.Name;
        config.Labels[CriLabels.PodNamespace] = meta.NamespaceProperty;
        config.Labels[CriLabels.PodUid] = meta.Uid;
        foreach (var (k, v) in meta.Annotations ?? new Dictionary<string, string>())
        {
            config.Annotations[k] = v;
        }
        foreach (var port in pod.Spec.Containers.SelectMany(c => c.Ports ?? []).Where(p => p.HostPort is > 0))
        {
            config.PortMappings.Add(new PortMapping
            {
                Protocol = port.Protocol switch { "UDP" => Protocol.Udp, "SCTP" => Protocol.Sctp, _ => Protocol.Tcp },
                ContainerPort = port.ContainerPort,
                HostPort = port.HostPort!.Value,
                HostIp = port.HostIP ?? "",
            });
        }
        return config;
    }

    /// <summary>spec.hostname, else the pod name, cut to a DNS label's 63 characters.</summary>
    internal static string Hostname(V1Pod pod)
    {
        var name = string.IsNullOrEmpty(pod.Spec.Hostname) ? pod.Metadata.Name : pod.Spec.Hostname;
        return name.Length <= 63 ? name : name[..63].TrimEnd('-', '.');
    }

    public static ContainerConfig Container(
        PodContext context, V1Container container, string imageRef, int restartCount,
        ContainerEnvironment env, IReadOnlyList<ContainerMount> mounts, LinuxContainerConfig linux)
    {
        var pod = context.Pod;
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = (uint)restartCount },
            Image = new ImageSpec { Image = imageRef },
            WorkingDir = container.WorkingDir ?? "",
            LogPath = LogPath(container.Name, restartCount),
            Stdin = container.Stdin ?? false,
            StdinOnce = container.StdinOnce ?? false,
            Tty = container.Tty ?? false,
            Linux = linux,
        };
        config.Command.AddRange(container.Command ?? []);
        config.Args.AddRange(container.Args ?? []);
        foreach (var (key, value) in env.Variables)
        {
            config.Envs.Add(new KeyValue { Key = key, Value = value });
        }
        foreach (var m in mounts)
        {
            config.Mounts.Add(new Mount { ContainerPath = m.ContainerPath, HostPath = m.HostPath, Readonly = m.ReadOnly });
        }
        config.Labels[CriLabels.PodName] = pod.Metadata.Name;
        config.Labels[CriLabels.PodNamespace] = pod.Metadata.NamespaceProperty;
        config.Labels[CriLabels.PodUid] = pod.Metadata.Uid;
        config.Labels[CriLabels.ContainerName] = container.Name;
        config.Annotations[CriLabels.RestartCount] = restartCount.ToString(CultureInfo.InvariantCulture);
        config.Annotations[CriLabels.TerminationMessagePath] = container.TerminationMessagePath ?? "/dev/termination-log";
        config.Annotations[CriLabels.TerminationGracePeriod] = GracePeriodSeconds(pod).ToString(CultureInfo.InvariantCulture);
        return config;
    }

    /// <summary>Relative to the sandbox's log directory.</summary>
    public static string LogPath(string container, int restartCount) =>
        string.Create(CultureInfo.InvariantCulture, $"{container}/{restartCount}.log");

    /// <summary>spec.terminationGracePeriodSeconds, 30 by default as the API defaults it.</summary>
    public static long GracePeriodSeconds(V1Pod pod) => pod.Spec.TerminationGracePeriodSeconds ?? 30;
}
