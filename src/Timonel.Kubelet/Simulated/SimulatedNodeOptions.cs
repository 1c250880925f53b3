namespace Timonel.Kubelet.Simulated;

/// <summary>Settings of a fleet of simulated nodes (`timonel agent --simulated`).</summary>
public sealed record SimulatedNodeOptions
{
    public int Nodes { get; init; } = 1;
    public string NamePrefix { get; init; } = "sim-";
    public string Cpu { get; init; } = "4";
    public string Memory { get; init; } = "32Gi";
    public int MaxPods { get; init; } = 110;
    /// <summary>How often each node's Lease is renewed (the kubelet's default is 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// How often the nodes' Ready condition heartbeat is refreshed (the kubelet's
    /// nodeStatusReportFrequency is 5 min; node health comes from the Leases).
    /// </summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromMinutes(5);
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
