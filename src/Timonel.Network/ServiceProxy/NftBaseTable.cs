namespace Timonel.Network.ServiceProxy;

/// <summary>
/// The fixed part of Timonel's table, written at every full sync and never changed by an
/// incremental one. Hooks and priorities follow kube-proxy's nftables mode: NAT at dstnat
/// (-100) in prerouting and output, masquerade at srcnat (100) in postrouting; the reject /
/// drop checks of services without endpoints run in filter chains at -110 (before DNAT, so
/// they still see the service address), and the check of unknown ports on a cluster IP runs
/// after DNAT (forward, and output at -90), where only traffic no service took is left.
/// Priorities are numbers: nft 1.0.6 refuses the name dstnat in the output hook.
/// </summary>
public static class NftBaseTable
{
    public const string MasqueradeMark = "0x4000";

    /// <summary>A fixed chain: its declaration (null for a regular chain) and its rules.</summary>
    public sealed record BaseChain(string Name, string? Hook, IReadOnlyList<string> Rules);

    public static IReadOnlyList<string> Declarations { get; } =
    [
        $"add map {NftNames.Qualified} {NftNames.ServiceIpsMap} {{ type ipv4_addr . inet_proto . inet_service : verdict; }}",
        $"add map {NftNames.Qualified} {NftNames.NodePortsMap} {{ type inet_proto . inet_service : verdict; }}",
        $"add map {NftNames.Qualified} {NftNames.NoEndpointServicesMap} {{ type ipv4_addr . inet_proto . inet_service : verdict; }}",
        $"add map {NftNames.Qualified} {NftNames.NoEndpointNodePortsMap} {{ type inet_proto . inet_service : verdict; }}",
        $"add set {NftNames.Qualified} {NftNames.ClusterIpsSet} {{ type ipv4_addr; }}",
    ];

    public static IReadOnlyList<BaseChain> Chains { get; } =
    [
        new("nat-prerouting", "type nat hook prerouting priority -100; policy accept;", ["jump services"]),
        new("nat-output", "type nat hook output priority -100; policy accept;", ["jump services"]),
        new("nat-postrouting", "type nat hook postrouting priority 100; policy accept;", ["jump masquerading"]),
        new("filter-input", "type filter hook input priority -110; policy accept;",
            ["ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check"]),
        new("filter-forward", "type filter hook forward priority -110; policy accept;",
            ["ct state new jump service-endpoints-check", "ct state new jump cluster-ips-check"]),
        new("filter-output", "type filter hook output priority -110; policy accept;", ["ct state new jump service-endpoints-check"]),
        new("filter-output-post-dnat", "type filter hook output priority -90; policy accept;", ["ct state new jump cluster-ips-check"]),
        new("services", null,
        [
            $"ip daddr . meta l4proto . th dport vmap @{NftNames.ServiceIpsMap}",
            // NodePorts answer on every local address but loopback (as upstream without route_localnet).
            $"fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @{NftNames.NodePortsMap}",
        ]),
        new("service-endpoints-check", null, [$"ip daddr . meta l4proto . th dport vmap @{NftNames.NoEndpointServicesMap}"]),
        new("nodeport-endpoints-check", null, [$"fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @{NftNames.NoEndpointNodePortsMap}"]),
        new("cluster-ips-check", null,
            [$"ip daddr @{NftNames.ClusterIpsSet} meta l4proto tcp reject with tcp reset", $"ip daddr @{NftNames.ClusterIpsSet} reject"]),
        // TCP gets a reset, not upstream's ICMP port-unreachable: with br_netfilter (pods on a
        // bridge) the kernel cannot send an ICMP error for a packet that came in bridged, and
        // the client would wait for its timeout; a reset is sent in both cases.
        new(NftNames.RejectChain, null, ["meta l4proto tcp reject with tcp reset", "reject"]),
        new(NftNames.MarkForMasquerade, null, [$"meta mark set meta mark or {MasqueradeMark}"]),
        new("masquerading", null,
        [
            $"meta mark & {MasqueradeMark} == 0 return",
            // Clear the bit so a packet that comes back through the node is judged afresh.
            $"meta mark set meta mark xor {MasqueradeMark}",
            "masquerade fully-random",
        ]),
    ];
}
