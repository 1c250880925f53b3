namespace Timonel.Controllers;

/// <summary>Validated settings of the controller manager, from `timonel server` flags.</summary>
public sealed record ControllerManagerOptions
{
    /// <summary>Where every node's podCIDR comes from (a /24 each by default).</summary>
    public string ClusterCidr { get; init; } = "10.42.0.0/16";
    public int NodeCidrMaskSize { get; init; } = 24;

    /// <summary>How long a node may go without renewing its Lease before it is Ready=Unknown.</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>
    /// The addresses LoadBalancer Services get (`--service-lb-pool`); null: none, and such Services
    /// stay pending.
    /// </summary>
    public LoadBalancer.AddressPool? LoadBalancerPool { get; init; }

    /// <summary>
    /// The cluster CA (PEM) that every namespace's `kube-root-ca.crt` ConfigMap publishes; null:
    /// the publisher does not run.
    /// </summary>
    public string? RootCaPem { get; init; }

    /// <summary>Workers per controller.</summary>
    public int Workers { get; init; } = 4;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
