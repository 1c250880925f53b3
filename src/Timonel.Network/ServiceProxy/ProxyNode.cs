using System.Net;
using System.Net.Sockets;

namespace Timonel.Network.ServiceProxy;

/// <summary>
/// What the proxy knows of the node it programs: its name (to tell local endpoints apart for
/// the Local traffic policies), its addresses, and the cluster (pod) CIDR, which separates
/// traffic from pods from traffic from outside the cluster. IPv4 only, as the EndpointSlice
/// controller.
/// </summary>
public sealed record ProxyNode
{
    public ProxyNode(string name, IReadOnlyList<IPAddress> addresses, string clusterCidr, bool masqueradeAll = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Any(a => a.AddressFamily != AddressFamily.InterNetwork))
        {
            throw new ArgumentException("the service proxy handles IPv4 node addresses only", nameof(addresses));
        }
        if (!string.IsNullOrEmpty(clusterCidr))
        {
            var network = IPNetwork.Parse(clusterCidr);
            if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException("the cluster CIDR must be IPv4", nameof(clusterCidr));
            }
            clusterCidr = network.ToString();
        }
        Name = name;
        Addresses = addresses;
        ClusterCidr = clusterCidr;
        MasqueradeAll = masqueradeAll;
    }

    public string Name { get; }

    /// <summary>Kept for logs and a future nodeport-addresses option: NodePorts answer on every local address.</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>Empty when unknown: then only MasqueradeAll masquerades ClusterIP traffic.</summary>
    public string ClusterCidr { get; }

    /// <summary>Masquerade every connection to a ClusterIP, not only those from outside the cluster CIDR.</summary>
    public bool MasqueradeAll { get; }
}
