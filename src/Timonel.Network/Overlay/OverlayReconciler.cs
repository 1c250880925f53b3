using Microsoft.Extensions.Logging;

namespace Timonel.Network.Overlay;

/// <summary>What one reconcile found and did: the plan it applied (empty when in step) or why it could not.</summary>
public sealed record OverlaySync(OverlayPlan? Plan, OverlayResult Result)
{
    public bool Ok => Result.Ok;
}

/// <summary>
/// Level-triggered: each pass compares the whole wanted set (from the peers) with what the
/// kernel holds now, and applies the difference. It keeps no memory between passes, so a
/// restarted agent, an entry deleted by hand or a pass that failed half-way are all repaired by
/// the next pass, and a pass on a device already in step changes nothing.
/// </summary>
public sealed class OverlayReconciler(IOverlayKernel kernel, ILogger logger)
{
    public async Task<OverlaySync> ReconcileAsync(IReadOnlyCollection<OverlayPeer> peers, CancellationToken ct)
    {
        var wanted = OverlayState.Wanted(peers);
        var (current, error) = await kernel.ReadAsync(ct).ConfigureAwait(false);
        if (current is null)
        {
            return new OverlaySync(null, OverlayResult.Failed(error ?? "reading the device failed"));
        }
        var plan = OverlayPlan.Between(current, wanted);
        if (plan.IsEmpty)
        {
            return new OverlaySync(plan, OverlayResult.Success);
        }
        OverlayLog.Applying(logger, peers.Count, plan.ToString());
        var result = await kernel.ApplyAsync(plan, ct).ConfigureAwait(false);
        return new OverlaySync(plan, result);
    }
}
