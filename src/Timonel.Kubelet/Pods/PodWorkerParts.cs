using k8s.Models;
using Timonel.Client.Events;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// Runs a container's preStop hook and returns when it finished, failed or ran out of
/// <paramref name="gracePeriod"/>. A failing hook never stops the termination: the container is
/// stopped afterwards with the grace that is left.
/// </summary>
public delegate Task PreStopRunner(PodContext pod, V1Container container, string containerId, TimeSpan gracePeriod, CancellationToken ct);

/// <summary>
/// Runs a container's postStart hook right after the container started. Returns null when the
/// hook succeeded (or there is none), else the failure message: the worker then stops the
/// container, reports it waiting with reason <c>PostStartHookError</c> and this message, and the
/// restart policy decides what follows.
/// </summary>
public delegate Task<string?> PostStartRunner(PodContext pod, V1Container container, string containerId, CancellationToken ct);

/// <summary>
/// The resolver settings of a pod's sandbox (CRI DNSConfig: the runtime writes them into the
/// pod's /etc/resolv.conf) from its dnsPolicy and dnsConfig. Null: the runtime copies the node's
/// resolv.conf, as with no configurer at all.
/// </summary>
public delegate Cri.V1.DNSConfig? PodDnsConfigurer(V1Pod pod);

/// <summary>
/// Called before a terminating pod's preStop hooks and stop signals: returns once no Service
/// routes new connections to the pod any more (at once for a pod that is no endpoint), never
/// later than <paramref name="budget"/> (the grace period; what it used is taken from it).
/// </summary>
public delegate Task EndpointDrain(PodContext pod, TimeSpan budget, CancellationToken ct);

/// <summary>
/// The parts the pod worker drives, each behind its seam (PodSeams.cs). The agent builds the real
/// ones; tests may pass simple ones. <paramref name="PreStop"/> or <paramref name="PostStart"/>
/// null: those hooks are skipped. <paramref name="Dns"/> null: sandboxes get no DNS config (the
/// runtime's default). <paramref name="Drain"/> null: containers are stopped without waiting for
/// the endpoints.
/// </summary>
public sealed record PodWorkerParts(
    IContainerEnvironmentBuilder Environment,
    IPodVolumes Volumes,
    IImageManager Images,
    IContainerProbes Probes,
    IContainerRuntimeSettings RuntimeSettings,
    IObjectSource Objects,
    EventRecorder Events,
    PreStopRunner? PreStop = null,
    PostStartRunner? PostStart = null,
    PodDnsConfigurer? Dns = null,
    EndpointDrain? Drain = null);

/// <summary>What the pod worker needs to know about its node.</summary>
public sealed record PodWorkerOptions
{
    /// <summary>This node's name: the worker runs the pods whose spec.nodeName is this.</summary>
    public required string NodeName { get; init; }

    /// <summary>The node's InternalIP (status.hostIP of every pod).</summary>
    public required string HostIp { get; init; }

    public IReadOnlyDictionary<string, ResourceQuantity> NodeAllocatable { get; init; } = new Dictionary<string, ResourceQuantity>();

    /// <summary>CRI log directories go under this: <c>ROOT/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;/&lt;container&gt;/&lt;restartCount&gt;.log</c>.</summary>
    public required string PodLogRoot { get; init; }

    /// <summary>
    /// Per-pod directories (<c>ROOT/&lt;uid&gt;</c>: the hosts file, termination message files) go
    /// under this; null means the <c>pods</c> directory next to <see cref="PodLogRoot"/>
    /// (<c>DIR/agent/pods</c> for <c>DIR/agent/logs</c>), which the volumes share.
    /// </summary>
    public string? PodDirRoot { get; init; }

    /// <summary>The cluster's DNS domain (a pod with spec.subdomain gets its FQDN in /etc/hosts).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Every pod's cgroup parent is <c>ROOT/pod&lt;uid&gt;</c>; null means <c>/timonel/&lt;node&gt;</c>.</summary>
    public string? CgroupRoot { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Every pod is synced at least this often, even without a trigger.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often containers are listed to notice exits and starts (the kubelet's PLEG relists every second).</summary>
    public TimeSpan RelistInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string EffectivePodDirRoot => PodDirRoot ?? Path.Combine(Path.GetDirectoryName(PodLogRoot.TrimEnd('/')) ?? "/", "pods");

    public string EffectiveCgroupRoot => CgroupRoot ?? "/timonel/" + NodeName;

    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(NodeName);
        ArgumentException.ThrowIfNullOrEmpty(HostIp);
        ArgumentException.ThrowIfNullOrEmpty(PodLogRoot);
        if (!Path.IsPathRooted(PodLogRoot))
        {
            throw new ArgumentException($"PodLogRoot must be absolute: {PodLogRoot}");
        }
        if (!EffectiveCgroupRoot.StartsWith('/'))
        {
            throw new ArgumentException($"CgroupRoot must start with '/': {EffectiveCgroupRoot}");
        }
        if (ResyncInterval <= TimeSpan.Zero || RelistInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("ResyncInterval and RelistInterval must be positive");
        }
    }
}
