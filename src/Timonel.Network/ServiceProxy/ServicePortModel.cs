namespace Timonel.Network.ServiceProxy;

/// <summary>nft's spelling of a Service port protocol.</summary>
public enum L4Protocol
{
    Tcp,
    Udp,
    Sctp,
}

/// <summary>One endpoint of one service port, as the EndpointSlice says (nil conditions already resolved).</summary>
public sealed record ProxyEndpoint(string Address, int Port, bool Ready, bool Serving, bool Terminating, bool IsLocal)
{
    public string Key => Address + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One port of one Service with everything the rules need: where traffic arrives (cluster IP,
/// NodePort, external and load-balancer IPs) and where it may go (endpoints, sorted by address
/// and port so the generated rules are stable).
/// </summary>
public sealed record ServicePortInfo
{
    public required string Namespace { get; init; }
    public required string ServiceName { get; init; }
    /// <summary>Empty for an unnamed port.</summary>
    public required string PortName { get; init; }
    public required L4Protocol Protocol { get; init; }
    /// <summary>Null for a headless Service (clusterIP None) or one without an address yet.</summary>
    public string? ClusterIp { get; init; }
    public required int Port { get; init; }
    /// <summary>0 when the Service has no NodePort.</summary>
    public int NodePort { get; init; }
    /// <summary>spec.externalIPs and status.loadBalancer.ingress IPs (IPv4, deduplicated).</summary>
    public IReadOnlyList<string> ExternalIps { get; init; } = [];
    /// <summary>Null when sessionAffinity is None.</summary>
    public int? AffinityTimeoutSeconds { get; init; }
    public bool ExternalPolicyLocal { get; init; }
    public bool InternalPolicyLocal { get; init; }
    public IReadOnlyList<ProxyEndpoint> Endpoints { get; init; } = [];

    /// <summary>namespace/name/protocol/port-name (the port number for an unnamed port), as chain names spell it.</summary>
    public string Id => $"{Namespace}/{ServiceName}/{ProtocolName}/{(PortName.Length > 0 ? PortName : Port.ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    public string ProtocolName => Protocol switch
    {
        L4Protocol.Tcp => "tcp",
        L4Protocol.Udp => "udp",
        _ => "sctp",
    };

    public bool HasExternalDestinations => NodePort > 0 || ExternalIps.Count > 0;
}
