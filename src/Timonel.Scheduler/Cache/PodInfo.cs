using k8s.Models;

namespace Timonel.Scheduler.Cache;

/// <summary>A host port a container claims: IP (0.0.0.0 for all), protocol and port.</summary>
public readonly record struct HostPort(string Ip, string Protocol, int Port);

/// <summary>
/// A pod with everything the plugins need precomputed once (requests, ports, affinity terms), so
/// the per-node loops do no parsing. Immutable; the wrapped <see cref="V1Pod"/> is read-only.
/// </summary>
public sealed class PodInfo
{
    private static readonly Dictionary<string, string> NoLabels = new(StringComparer.Ordinal);

    public PodInfo(V1Pod pod)
    {
        Pod = pod;
        Namespace = pod.Metadata?.NamespaceProperty ?? "default";
        Name = pod.Metadata?.Name ?? "";
        Key = Namespace + "/" + Name;
        Uid = pod.Metadata?.Uid ?? Key;
        NodeName = pod.Spec?.NodeName ?? "";
        Labels = pod.Metadata?.Labels ?? NoLabels;
        Priority = pod.Spec?.Priority ?? 0;
        CreationTime = pod.Metadata?.CreationTimestamp ?? DateTime.MinValue;
        StartTime = pod.Status?.StartTime ?? CreationTime;
        (Requests, NonZeroRequests) = PodRequests.Compute(pod.Spec);
        HostPorts = CollectHostPorts(pod.Spec);
        Tolerations = pod.Spec?.Tolerations?.ToArray() ?? [];
        var affinity = pod.Spec?.Affinity;
        RequiredAffinityTerms = AffinityTerm.Compile(Namespace, affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution);
        RequiredAntiAffinityTerms = AffinityTerm.Compile(Namespace, affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution);
        PreferredAffinityTerms = AffinityTerm.Compile(Namespace, affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution);
        PreferredAntiAffinityTerms = AffinityTerm.Compile(Namespace, affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution);
        Images = pod.Spec?.Containers?.Select(c => ImageNames.Normalize(c.Image ?? "")).ToArray() ?? [];
    }

    private PodInfo(PodInfo other, string nodeName)
    {
        Pod = other.Pod;
        Namespace = other.Namespace;
        Name = other.Name;
        Key = other.Key;
        Uid = other.Uid;
        Labels = other.Labels;
        Priority = other.Priority;
        CreationTime = other.CreationTime;
        StartTime = other.StartTime;
        Requests = other.Requests;
        NonZeroRequests = other.NonZeroRequests;
        HostPorts = other.HostPorts;
        Tolerations = other.Tolerations;
        RequiredAffinityTerms = other.RequiredAffinityTerms;
        RequiredAntiAffinityTerms = other.RequiredAntiAffinityTerms;
        PreferredAffinityTerms = other.PreferredAffinityTerms;
        PreferredAntiAffinityTerms = other.PreferredAntiAffinityTerms;
        Images = other.Images;
        NodeName = nodeName;
    }

    public V1Pod Pod { get; }
    public string Namespace { get; }
    public string Name { get; }
    /// <summary><c>namespace/name</c>, the identity used by the cache and the queue.</summary>
    public string Key { get; }
    public string Uid { get; }
    /// <summary>The node the pod is bound or assumed to; empty while pending.</summary>
    public string NodeName { get; }
    public IDictionary<string, string> Labels { get; }
    public int Priority { get; }
    public DateTime CreationTime { get; }
    public DateTime StartTime { get; }
    /// <summary>The effective request: max(containers + sidecars, any init step) + overhead.</summary>
    public Resources Requests { get; }
    /// <summary>Like <see cref="Requests"/> but a container without cpu/memory requests counts defaults (for scoring).</summary>
    public Resources NonZeroRequests { get; }
    public HostPort[] HostPorts { get; }
    public V1Toleration[] Tolerations { get; }
    public AffinityTerm[] RequiredAffinityTerms { get; }
    public AffinityTerm[] RequiredAntiAffinityTerms { get; }
    public AffinityTerm[] PreferredAffinityTerms { get; }
    public AffinityTerm[] PreferredAntiAffinityTerms { get; }
    public string[] Images { get; }

    public bool HasAffinityConstraints =>
        RequiredAffinityTerms.Length + RequiredAntiAffinityTerms.Length + PreferredAffinityTerms.Length + PreferredAntiAffinityTerms.Length > 0;

    public bool HasRequiredAntiAffinity => RequiredAntiAffinityTerms.Length > 0;

    /// <summary>The same pod placed on <paramref name="nodeName"/> (an assumed pod).</summary>
    public PodInfo OnNode(string nodeName) => new(this, nodeName);

    private static HostPort[] CollectHostPorts(V1PodSpec? spec)
    {
        List<HostPort>? ports = null;
        foreach (var c in spec?.Containers ?? [])
        {
            foreach (var p in c.Ports ?? [])
            {
                if (p.HostPort is > 0)
                {
                    var ip = string.IsNullOrEmpty(p.HostIP) ? "0.0.0.0" : p.HostIP;
                    (ports ??= []).Add(new HostPort(ip, p.Protocol ?? "TCP", p.HostPort.Value));
                }
            }
        }
        return ports?.ToArray() ?? [];
    }
}
