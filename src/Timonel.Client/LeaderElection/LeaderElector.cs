using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Client.LeaderElection;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease. States: Candidate (try to acquire every
/// RetryPeriod) → Leading (OnStartedLeading runs with a token; renew every RetryPeriod) → Stopped
/// (renewal failed for RenewDeadline, or the run was cancelled: the token is cancelled,
/// OnStoppedLeading runs, and the lease is released when ReleaseOnCancel). A lease held by
/// another identity is taken only when it has not changed for LeaseDuration as measured on this
/// process's own clock since it was last observed to change, so clock skew between machines does
/// not matter. Every write is conditional on the lease's resourceVersion, so two candidates
/// never both win one round.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly LeaderElectionOptions _options;
    private readonly ILeaseStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private V1Lease? _observed;
    private long _observedAt;

    public LeaderElector(LeaderElectionOptions options, ILeaseStore store, TimeProvider time, ILogger logger)
    {
        options.Validate();
        _options = options;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Called once leadership is acquired; the token is cancelled when it is lost.</summary>
    public Func<CancellationToken, Task>? OnStartedLeading { get; init; }
    public Action? OnStoppedLeading { get; init; }
    /// <summary>Called when a new holder is observed (including this identity).</summary>
    public Action<string>? OnNewLeader { get; init; }

    public bool IsLeader { get; private set; }

    /// <summary>The holder identity last observed on the lease.</summary>
    public string? ObservedLeader => _observed?.Spec?.HolderIdentity;

    /// <summary>
    /// Runs one election: waits to become leader, leads until leadership is lost or ct is
    /// cancelled, then returns. Callers that want to stand again call it again.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
            {
                await Task.Delay(Jittered(_options.RetryPeriod), _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        IsLeader = true;
        LeaderLog.Acquired(_logger, _options.Identity, _options.LeaseName);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var work = OnStartedLeading is { } start ? Task.Run(() => start(leading.Token), CancellationToken.None) : Task.CompletedTask;
        await RenewLoopAsync(ct).ConfigureAwait(false);
        IsLeader = false;
        await leading.CancelAsync().ConfigureAwait(false);
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The leader's work stops by cancellation.
        }
        LeaderLog.Lost(_logger, _options.Identity, _options.LeaseName);
        OnStoppedLeading?.Invoke();
        if (ct.IsCancellationRequested && _options.ReleaseOnCancel)
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    private async Task RenewLoopAsync(CancellationToken ct)
    {
        var lastRenew = _time.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, ct).ConfigureAwait(false);
                if (await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
                {
                    lastRenew = _time.GetTimestamp();
                    continue;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                LeaderLog.RenewFailed(_logger, _options.Identity, e.Message);
            }
            if (_time.GetElapsedTime(lastRenew) >= _options.RenewDeadline || ObservedLeader != _options.Identity)
            {
                return;
            }
        }
    }

    private TimeSpan Jittered(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));
}
