using System.Globalization;
using System.Text;

namespace Timonel.Network.Overlay;

/// <summary>
/// Pod egress masquerade, in the overlay's own table `ip timonel-overlay` (the service proxy owns
/// `ip timonel` and rewrites it whole; sharing it would have each erase the other's rules).
/// Traffic from this node's pods to anything outside the cluster CIDR leaves with the node's
/// address, since nothing outside knows a route back to pod ranges; pod to pod (any node) keeps
/// its source, so that a pod sees its real peer. Multicast is never masqueraded (flannel's rule).
/// The script replaces the table whole and atomically (one nft transaction: add so that delete
/// cannot fail, delete, define), so running it again is a no-op in effect.
/// </summary>
public static class OverlayMasquerade
{
    public static string Script(OverlayNode node)
    {
        var table = "ip " + OverlayConstants.NftTable;
        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $"table {table} {{}}\n");
        script.Append(CultureInfo.InvariantCulture, $"delete table {table}\n");
        script.Append(CultureInfo.InvariantCulture, $"table {table} {{\n");
        script.Append("  chain postrouting {\n");
        script.Append("    type nat hook postrouting priority srcnat; policy accept;\n");
        script.Append(CultureInfo.InvariantCulture, $"    ip saddr {node.PodCidr} ip daddr {node.ClusterCidr} return\n");
        script.Append(CultureInfo.InvariantCulture, $"    ip saddr {node.PodCidr} ip daddr 224.0.0.0/4 return\n");
        script.Append(CultureInfo.InvariantCulture, $"    ip saddr {node.PodCidr} masquerade fully-random\n");
        script.Append("  }\n");
        script.Append("}\n");
        return script.ToString();
    }
}
