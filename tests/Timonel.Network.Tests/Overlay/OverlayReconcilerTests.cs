using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Overlay;

/// <summary>The reconcile loop's decisions against an in-memory device (the kernel tests run the same against a real one).</summary>
public sealed class OverlayReconcilerTests
{
    /// <summary>A device that holds sets and applies plans, and can be told to refuse.</summary>
    private sealed class FakeKernel : IOverlayKernel
    {
        public OverlayState State { get; set; } = OverlayState.Empty;
        public int Applies { get; private set; }
        public string? ReadError { get; set; }
        public string? ApplyError { get; set; }

        public Task<OverlayResult> SetUpNodeAsync(OverlayNode node, CancellationToken ct) => Task.FromResult(OverlayResult.Success);

        public Task<(OverlayState? State, string? Error)> ReadAsync(CancellationToken ct) =>
            Task.FromResult(ReadError is null ? ((OverlayState?)State, (string?)null) : (null, ReadError));

        public Task<OverlayResult> ApplyAsync(OverlayPlan plan, CancellationToken ct)
        {
            Applies++;
            if (ApplyError is not null)
            {
                return Task.FromResult(OverlayResult.Failed(ApplyError));
            }
            State = new OverlayState(
                State.Routes.Except(plan.RemoveRoutes).Union(plan.AddRoutes),
                State.Neighbours.Except(plan.RemoveNeighbours).Union(plan.AddNeighbours),
                State.Fdb.Except(plan.RemoveFdb).Union(plan.AddFdb));
            return Task.FromResult(OverlayResult.Success);
        }
    }

    private static OverlayPeer Peer(int i) =>
        new($"node-{i}", IPNetwork.Parse($"10.42.{i}.0/24"), $"0a:00:00:00:00:0{i}", IPAddress.Parse($"10.77.0.1{i}"));

    [Fact]
    public async Task A_second_pass_with_the_same_peers_changes_nothing()
    {
        var kernel = new FakeKernel();
        var reconciler = new OverlayReconciler(kernel, NullLogger.Instance);
        Assert.Equal(6, (await reconciler.ReconcileAsync([Peer(2), Peer(3)], CancellationToken.None)).Plan!.Additions);
        var again = await reconciler.ReconcileAsync([Peer(3), Peer(2)], CancellationToken.None);
        Assert.True(again.Ok);
        Assert.True(again.Plan!.IsEmpty);
        Assert.Equal(1, kernel.Applies);
        Assert.Equal(2, kernel.State.Routes.Count);
    }

    [Fact]
    public async Task Entries_the_overlay_did_not_want_are_removed_whatever_put_them_there()
    {
        var stale = new OverlayRoute(IPNetwork.Parse("10.42.9.0/24"), IPAddress.Parse("10.42.9.0"));
        var kernel = new FakeKernel { State = OverlayState.Wanted([Peer(2)]) with { Routes = [stale] } };
        var sync = await new OverlayReconciler(kernel, NullLogger.Instance).ReconcileAsync([Peer(2)], CancellationToken.None);
        Assert.Equal([stale], sync.Plan!.RemoveRoutes);
        Assert.Equal(OverlayState.Wanted([Peer(2)]).Routes, kernel.State.Routes);
    }

    [Fact]
    public async Task A_failed_read_applies_nothing_and_a_failed_apply_is_retried_by_the_next_pass()
    {
        var kernel = new FakeKernel { ReadError = "ip: cannot find device" };
        var reconciler = new OverlayReconciler(kernel, NullLogger.Instance);
        var failedRead = await reconciler.ReconcileAsync([Peer(2)], CancellationToken.None);
        Assert.False(failedRead.Ok);
        Assert.Contains("cannot find device", failedRead.Result.Error, StringComparison.Ordinal);
        Assert.Equal(0, kernel.Applies);

        kernel.ReadError = null;
        kernel.ApplyError = "RTNETLINK answers: Network is unreachable";
        Assert.False((await reconciler.ReconcileAsync([Peer(2)], CancellationToken.None)).Ok);
        kernel.ApplyError = null;
        var retried = await reconciler.ReconcileAsync([Peer(2)], CancellationToken.None);
        Assert.True(retried.Ok);
        Assert.Equal(3, retried.Plan!.Additions);
    }
}
