namespace Timonel.Network.Overlay;

/// <summary>
/// The changes that take the device from what the kernel holds to what is wanted: exact set
/// differences, so an entry that changed (a new MAC for the same address, a peer that moved to
/// another node IP) is one removal plus one addition. Applied in this order: removals route →
/// neighbour → fdb, then additions fdb → neighbour → route, so that a route never points at a
/// VTEP the device cannot yet resolve and encapsulate (the order flannel uses).
/// </summary>
public sealed record OverlayPlan(
    IReadOnlyList<OverlayRoute> RemoveRoutes,
    IReadOnlyList<OverlayNeighbour> RemoveNeighbours,
    IReadOnlyList<OverlayFdbEntry> RemoveFdb,
    IReadOnlyList<OverlayFdbEntry> AddFdb,
    IReadOnlyList<OverlayNeighbour> AddNeighbours,
    IReadOnlyList<OverlayRoute> AddRoutes)
{
    public bool IsEmpty => RemoveRoutes.Count + RemoveNeighbours.Count + RemoveFdb.Count + AddFdb.Count + AddNeighbours.Count + AddRoutes.Count == 0;

    public int Removals => RemoveRoutes.Count + RemoveNeighbours.Count + RemoveFdb.Count;

    public int Additions => AddFdb.Count + AddNeighbours.Count + AddRoutes.Count;

    public static OverlayPlan Between(OverlayState current, OverlayState wanted) => new(
        Sorted(current.Routes.Except(wanted.Routes)),
        Sorted(current.Neighbours.Except(wanted.Neighbours)),
        Sorted(current.Fdb.Except(wanted.Fdb)),
        Sorted(wanted.Fdb.Except(current.Fdb)),
        Sorted(wanted.Neighbours.Except(current.Neighbours)),
        Sorted(wanted.Routes.Except(current.Routes)));

    /// <summary>A stable order, so that logs and scripts for the same change are the same text.</summary>
    private static List<T> Sorted<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        list.Sort((a, b) => string.CompareOrdinal(a!.ToString(), b!.ToString()));
        return list;
    }

    public override string ToString() =>
        $"remove {RemoveRoutes.Count} routes, {RemoveNeighbours.Count} neighbours, {RemoveFdb.Count} fdb entries; "
        + $"add {AddFdb.Count} fdb entries, {AddNeighbours.Count} neighbours, {AddRoutes.Count} routes";
}
