using System.Security.Cryptography;
using System.Text;

namespace Timonel.Network.ServiceProxy;

/// <summary>
/// Names of the objects in Timonel's table. Per-service names carry a short hash first (unique
/// even if two ids only differ past the kernel's name length) and then the readable id, so
/// `nft list table ip timonel` reads like the Services it came from.
/// </summary>
public static class NftNames
{
    public const string Family = "ip";
    public const string Table = "timonel";
    public const string Qualified = Family + " " + Table;

    public const string ServiceIpsMap = "service-ips";
    public const string NodePortsMap = "service-nodeports";
    public const string NoEndpointServicesMap = "no-endpoint-services";
    public const string NoEndpointNodePortsMap = "no-endpoint-nodeports";
    public const string ClusterIpsSet = "cluster-ips";
    public const string MarkForMasquerade = "mark-for-masquerade";
    public const string RejectChain = "reject-chain";

    /// <summary>Every map whose elements the proxy manages, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> Maps = [ServiceIpsMap, NodePortsMap, NoEndpointServicesMap, NoEndpointNodePortsMap];

    public static string ServiceChain(ServicePortInfo port) => Named("service", port.Id, port.Id);
    public static string LocalChain(ServicePortInfo port) => Named("local", port.Id, port.Id);
    public static string ExternalChain(ServicePortInfo port) => Named("external", port.Id, port.Id);

    public static string EndpointChain(ServicePortInfo port, ProxyEndpoint endpoint) =>
        Named("endpoint", port.Id + "|" + endpoint.Key, $"{port.Id}__{endpoint.Address}/{endpoint.Port}");

    public static string AffinitySet(ServicePortInfo port, ProxyEndpoint endpoint) =>
        Named("affinity", port.Id + "|" + endpoint.Key, $"{port.Id}__{endpoint.Address}/{endpoint.Port}");

    private static string Named(string kind, string hashed, string readable)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(hashed), digest);
        return $"{kind}-{Convert.ToHexStringLower(digest[..4])}-{readable}";
    }
}
