using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using k8s.Models;

namespace Timonel.Network.Overlay;

/// <summary>Another node reachable through the overlay: its pods' range and its VXLAN endpoint.</summary>
public sealed record OverlayPeer(string NodeName, IPNetwork PodCidr, string VtepMac, IPAddress PublicIp)
{
    /// <summary>The peer's VXLAN device address, the gateway of the route to its pods.</summary>
    public IPAddress VtepIp => PodCidr.BaseAddress;
}

/// <summary>
/// Which nodes are peers: every other node that has a podCIDR inside the cluster CIDR and has
/// published its VTEP (both annotations, valid). A node missing any of that is skipped, not an
/// error: it is still starting (its agent publishes once its device exists), and routing to it
/// would only black-hole its pods' traffic. A podCIDR overlapping this node's (a stale Node
/// object) is skipped too, as routing it would steal this node's own pods.
/// </summary>
public static class OverlayPeers
{
    public static List<OverlayPeer> From(IEnumerable<V1Node> nodes, OverlayNode self)
    {
        var peers = new List<OverlayPeer>();
        foreach (var node in nodes)
        {
            if (node.Metadata?.Name is not { } name || name == self.Name || node.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }
            if (PeerOf(name, node.Spec?.PodCIDR, node.Metadata.Annotations, self) is { } peer)
            {
                peers.Add(peer);
            }
        }
        peers.Sort((a, b) => string.CompareOrdinal(a.NodeName, b.NodeName));
        return peers;
    }

    internal static OverlayPeer? PeerOf(string name, string? podCidr, IDictionary<string, string>? annotations, OverlayNode self)
    {
        if (podCidr is null || !IPNetwork.TryParse(podCidr, out var cidr) || cidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork
            || !Inside(cidr, self.ClusterCidr) || Overlaps(cidr, self.PodCidr))
        {
            return null;
        }
        if (annotations is null
            || !annotations.TryGetValue(OverlayConstants.VtepMacAnnotation, out var macText) || NormalizeMac(macText) is not { } mac
            || !annotations.TryGetValue(OverlayConstants.PublicIpAnnotation, out var ipText)
            || !IPAddress.TryParse(ipText, out var publicIp) || publicIp.AddressFamily != AddressFamily.InterNetwork
            || publicIp.Equals(self.NodeIp))
        {
            return null;
        }
        return new OverlayPeer(name, cidr, mac, publicIp);
    }

    /// <summary>A unicast MAC in the kernel's spelling (lower case, colons), or null.</summary>
    internal static string? NormalizeMac(string text)
    {
        if (text.Length != 17 || !PhysicalAddress.TryParse(text, out var address))
        {
            return null;
        }
        var bytes = address.GetAddressBytes();
        if (bytes.Length != 6 || (bytes[0] & 1) != 0 || bytes.All(b => b == 0))
        {
            return null;
        }
        return string.Join(':', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static bool Inside(IPNetwork inner, IPNetwork outer) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);

    private static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);
}
