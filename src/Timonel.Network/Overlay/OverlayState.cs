using System.Collections.Immutable;
using System.Net;

namespace Timonel.Network.Overlay;

/// <summary>`ROUTE via GATEWAY dev timonel.1 onlink`: a peer's pods are behind its VTEP address.</summary>
public readonly record struct OverlayRoute(IPNetwork Destination, IPAddress Gateway)
{
    public override string ToString() => $"{Destination} via {Gateway}";
}

/// <summary>A permanent ARP entry on the device: the peer's VTEP address has the peer's VTEP MAC.</summary>
public readonly record struct OverlayNeighbour(IPAddress Address, string Mac)
{
    public override string ToString() => $"{Address} lladdr {Mac}";
}

/// <summary>A permanent forwarding entry on the device: frames for MAC go, encapsulated, to Destination (the peer's node IP).</summary>
public readonly record struct OverlayFdbEntry(string Mac, IPAddress Destination)
{
    public override string ToString() => $"{Mac} dst {Destination}";
}

/// <summary>
/// What sits on the VXLAN device (read from the kernel) or should (computed from the peers).
/// Only these three kinds are the overlay's; both sides are compared as sets, so order and
/// duplicates never matter.
/// </summary>
public sealed record OverlayState(
    ImmutableHashSet<OverlayRoute> Routes,
    ImmutableHashSet<OverlayNeighbour> Neighbours,
    ImmutableHashSet<OverlayFdbEntry> Fdb)
{
    public static readonly OverlayState Empty = new([], [], []);

    /// <summary>One route, one neighbour and one fdb entry per peer (flannel's vxlan "directRouting off" layout).</summary>
    public static OverlayState Wanted(IEnumerable<OverlayPeer> peers)
    {
        var routes = ImmutableHashSet.CreateBuilder<OverlayRoute>();
        var neighbours = ImmutableHashSet.CreateBuilder<OverlayNeighbour>();
        var fdb = ImmutableHashSet.CreateBuilder<OverlayFdbEntry>();
        foreach (var peer in peers)
        {
            routes.Add(new OverlayRoute(peer.PodCidr, peer.VtepIp));
            neighbours.Add(new OverlayNeighbour(peer.VtepIp, peer.VtepMac));
            fdb.Add(new OverlayFdbEntry(peer.VtepMac, peer.PublicIp));
        }
        return new OverlayState(routes.ToImmutable(), neighbours.ToImmutable(), fdb.ToImmutable());
    }

    public override string ToString() =>
        $"routes [{string.Join(", ", Routes)}], neighbours [{string.Join(", ", Neighbours)}], fdb [{string.Join(", ", Fdb)}]";
}
