using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.LeaderElection;

namespace Timonel.Client.Tests;

/// <summary>The election rounds on a fake clock and an in-memory Lease.</summary>
public sealed class LeaderElectorTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly MemoryLeaseStore _store = new();

    private LeaderElector Candidate(string identity) => new(
        new LeaderElectionOptions { LeaseNamespace = "kube-system", LeaseName = "timonel-controllers", Identity = identity },
        _store, _clock, NullLogger.Instance);

    [Fact]
    public async Task TheFirstCandidateCreatesTheLeaseAndTheSecondIsRefused()
    {
        var a = Candidate("a");
        var b = Candidate("b");

        Assert.True(await a.TryAcquireOrRenewAsync(default));
        Assert.False(await b.TryAcquireOrRenewAsync(default));

        var spec = _store.Current!.Spec;
        Assert.Equal("a", spec.HolderIdentity);
        Assert.Equal(15, spec.LeaseDurationSeconds);
        Assert.Equal(0, spec.LeaseTransitions);
        Assert.Equal(_clock.GetUtcNow().UtcDateTime, spec.AcquireTime);
        Assert.Equal("a", b.ObservedLeader);
    }

    [Fact]
    public async Task ARenewingLeaderKeepsTheLeasePastItsDuration()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        Assert.True(await a.TryAcquireOrRenewAsync(default));
        var acquired = _store.Current!.Spec.AcquireTime;

        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            Assert.True(await a.TryAcquireOrRenewAsync(default));
            Assert.False(await b.TryAcquireOrRenewAsync(default));
        }

        Assert.Equal(acquired, _store.Current!.Spec.AcquireTime);
        Assert.Equal(_clock.GetUtcNow().UtcDateTime, _store.Current.Spec.RenewTime);
        Assert.Equal(0, _store.Current.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task AnotherCandidateTakesOverOnlyAfterTheLeaseExpiresOnItsOwnClock()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        Assert.True(await a.TryAcquireOrRenewAsync(default));
        Assert.False(await b.TryAcquireOrRenewAsync(default));

        // a stops renewing. b measures 15 s from when it saw the lease, not from renewTime.
        _clock.Advance(TimeSpan.FromSeconds(14));
        Assert.False(await b.TryAcquireOrRenewAsync(default));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await b.TryAcquireOrRenewAsync(default));

        var spec = _store.Current!.Spec;
        Assert.Equal("b", spec.HolderIdentity);
        Assert.Equal(1, spec.LeaseTransitions);
        Assert.Equal(_clock.GetUtcNow().UtcDateTime, spec.AcquireTime);
        // The old leader learns it lost on its next round.
        Assert.False(await a.TryAcquireOrRenewAsync(default));
    }

    [Fact]
    public async Task RunLeadsAndReleasesOnCancellationSoOthersNeedNotWait()
    {
        var started = new TaskCompletionSource();
        var stopped = new TaskCompletionSource();
        var a = new LeaderElector(
            new LeaderElectionOptions { LeaseNamespace = "kube-system", LeaseName = "timonel-controllers", Identity = "a" },
            _store, _clock, NullLogger.Instance)
        {
            OnStartedLeading = ct => { started.TrySetResult(); return Task.Delay(Timeout.Infinite, ct); },
            OnStoppedLeading = () => stopped.TrySetResult(),
        };
        using var cts = new CancellationTokenSource();
        var run = a.RunAsync(cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(a.IsLeader);

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(a.IsLeader);
        Assert.Null(_store.Current!.Spec.HolderIdentity);
        Assert.True(await Candidate("b").TryAcquireOrRenewAsync(default));
    }

    [Fact]
    public void OptionsOutOfOrderAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new LeaderElector(
            new LeaderElectionOptions { LeaseNamespace = "n", LeaseName = "l", Identity = "a", RenewDeadline = TimeSpan.FromSeconds(20) },
            _store, _clock, NullLogger.Instance));
    }
}
