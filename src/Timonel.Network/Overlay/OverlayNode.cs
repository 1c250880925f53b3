using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Timonel.Network.Overlay;

/// <summary>
/// This node as the overlay sees it: where its VXLAN endpoint sits (<see cref="NodeIp"/>, the
/// address other nodes send encapsulated packets to), its pods' range and the cluster's.
/// </summary>
public sealed record OverlayNode
{
    public OverlayNode(string name, IPAddress nodeIp, IPNetwork podCidr, IPNetwork clusterCidr)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(nodeIp);
        if (nodeIp.AddressFamily != AddressFamily.InterNetwork || podCidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork
            || clusterCidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("the overlay is IPv4 only: node IP, podCIDR and cluster CIDR must be IPv4");
        }
        Name = name;
        NodeIp = nodeIp;
        PodCidr = podCidr;
        ClusterCidr = clusterCidr;
    }

    /// <summary>From the agent's plain values; PodCidr and ClusterCidr are CIDR texts (e.g. 10.42.1.0/24).</summary>
    public static OverlayNode Parse(string name, IPAddress nodeIp, string podCidr, string clusterCidr) =>
        new(name, nodeIp, IPNetwork.Parse(podCidr), IPNetwork.Parse(clusterCidr));

    public string Name { get; }
    public IPAddress NodeIp { get; }
    public IPNetwork PodCidr { get; }
    public IPNetwork ClusterCidr { get; }

    /// <summary>The VXLAN device's own address: the podCIDR's network address, as a /32 (flannel's choice).</summary>
    public IPAddress VtepIp => PodCidr.BaseAddress;

    /// <summary>
    /// The VXLAN device's MAC, derived from the node name so that an agent restart (or a device
    /// recreated) keeps the MAC the other nodes already hold in their neighbour and fdb entries.
    /// Locally administered, unicast.
    /// </summary>
    public string VtepMac => MacFor(Name);

    internal static string MacFor(string nodeName)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("timonel-vtep/" + nodeName));
        hash[0] = (byte)((hash[0] & 0xfc) | 0x02);
        return string.Join(':', hash.Take(6).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}

/// <summary>The overlay's fixed names and numbers (the same on every node).</summary>
public static class OverlayConstants
{
    /// <summary>The VXLAN device (flannel names its own flannel.VNI).</summary>
    public const string Device = "timonel.1";

    public const int Vni = 1;

    /// <summary>The Linux kernel's historical VXLAN port, flannel's default (IANA's is 4789).</summary>
    public const int UdpPort = 8472;

    /// <summary>Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers.</summary>
    public const int EncapsulationOverhead = 50;

    /// <summary>Node annotation: the MAC of the node's VXLAN device.</summary>
    public const string VtepMacAnnotation = "timonel.io/vtep-mac";

    /// <summary>Node annotation: the address the node's VXLAN device sends from and receives on.</summary>
    public const string PublicIpAnnotation = "timonel.io/public-ip";

    /// <summary>The overlay's own nftables table (the service proxy has `ip timonel`).</summary>
    public const string NftTable = "timonel-overlay";
}
