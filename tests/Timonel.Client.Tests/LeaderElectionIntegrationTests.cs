using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.LeaderElection;

namespace Timonel.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class LeaderElectionIntegrationTests(ServerFixture f)
{
    [Fact]
    public async Task ExactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderStopsRenewing()
    {
        var ns = await f.NewNamespaceAsync("lease");
        var started = new Dictionary<string, TaskCompletionSource>
        {
            ["a"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["b"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        LeaderElector Candidate(string id) => new(
            new LeaderElectionOptions
            {
                LeaseNamespace = ns, LeaseName = "controllers", Identity = id,
                // Short so the test is quick; the ordering of the three is what matters.
                LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(300),
                ReleaseOnCancel = false,
            },
            new ApiLeaseStore(f.Api), TimeProvider.System, NullLogger.Instance)
        {
            OnStartedLeading = ct => { started[id].TrySetResult(); return Task.Delay(Timeout.Infinite, ct); },
        };
        var electors = new Dictionary<string, LeaderElector> { ["a"] = Candidate("a"), ["b"] = Candidate("b") };
        var stops = new Dictionary<string, CancellationTokenSource> { ["a"] = new(), ["b"] = new() };
        var runs = electors.ToDictionary(e => e.Key, e => e.Value.RunAsync(stops[e.Key].Token));
        try
        {
            var first = await Task.WhenAny(started["a"].Task, started["b"].Task).WaitAsync(Wait.Long);
            var leader = first == started["a"].Task ? "a" : "b";
            var other = leader == "a" ? "b" : "a";

            // Several renew rounds later the other still waits.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.True(electors[leader].IsLeader);
            Assert.False(started[other].Task.IsCompleted);
            var held = (await f.Api.GetAsync<V1Lease>(ns, "controllers")).Require();
            Assert.Equal(leader, held.Spec.HolderIdentity);

            // The leader stops renewing without releasing: the other waits out the lease, then leads.
            await stops[leader].CancelAsync();
            await runs[leader].WaitAsync(Wait.Long);
            await started[other].Task.WaitAsync(Wait.Long);

            var taken = (await f.Api.GetAsync<V1Lease>(ns, "controllers")).Require();
            Assert.Equal(other, taken.Spec.HolderIdentity);
            Assert.Equal(1, taken.Spec.LeaseTransitions);
            Assert.True(electors[other].IsLeader);
            Assert.False(electors[leader].IsLeader);
        }
        finally
        {
            foreach (var s in stops.Values)
            {
                await s.CancelAsync();
            }
            await Task.WhenAll(runs.Values).WaitAsync(Wait.Long);
            foreach (var s in stops.Values)
            {
                s.Dispose();
            }
        }
    }
}
