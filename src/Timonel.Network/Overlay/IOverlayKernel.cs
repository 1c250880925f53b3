namespace Timonel.Network.Overlay;

/// <summary>The outcome of one kernel step: null Error is success; a refusal is a value, retried later.</summary>
public readonly record struct OverlayResult(string? Error)
{
    public static readonly OverlayResult Success = new(null);
    public bool Ok => Error is null;
    public static OverlayResult Failed(string error) => new(error);
    public override string ToString() => Error ?? "ok";
}

/// <summary>
/// The kernel side of the overlay, the seam that keeps <see cref="OverlayReconciler"/>'s decisions
/// testable without a kernel. Every method is idempotent: calling it again on a node already in
/// the wanted shape changes nothing, which is what makes a restarted agent converge without
/// duplicates.
/// </summary>
public interface IOverlayKernel
{
    /// <summary>
    /// The node-wide part: the VXLAN device (recreated if its parameters differ), its /32
    /// address, its MTU, forwarding on, and the pod egress masquerade table.
    /// </summary>
    Task<OverlayResult> SetUpNodeAsync(OverlayNode node, CancellationToken ct);

    /// <summary>The routes, permanent neighbours and fdb entries on the device now.</summary>
    Task<(OverlayState? State, string? Error)> ReadAsync(CancellationToken ct);

    Task<OverlayResult> ApplyAsync(OverlayPlan plan, CancellationToken ct);
}
