using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Client.LeaderElection;

public sealed partial class LeaderElector
{
    /// <summary>
    /// One round: creates the lease if missing, renews it if held by this identity, takes it if
    /// the holder let it expire. True when this identity holds the lease afterwards.
    /// Expected failures (conflict, held by another) are false; a broken connection throws.
    /// </summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var got = await _store.GetAsync(_options.LeaseNamespace, _options.LeaseName, ct).ConfigureAwait(false);
        if (got.IsNotFound)
        {
            var created = await _store.CreateAsync(new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.LeaseNamespace },
                Spec = Held(acquired: now, now, transitions: 0),
            }, ct).ConfigureAwait(false);
            return Observe(created);
        }
        if (!got.Ok)
        {
            LeaderLog.RenewFailed(_logger, _options.Identity, got.ToString());
            return false;
        }
        var lease = got.Value!;
        Observe(got);
        var spec = lease.Spec ?? new V1LeaseSpec();
        var holder = spec.HolderIdentity;
        var heldByMe = holder == _options.Identity;
        if (!heldByMe && !string.IsNullOrEmpty(holder) && _time.GetElapsedTime(_observedAt) < LeaseDurationOf(spec))
        {
            return false;
        }
        var updated = new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta
            {
                Name = lease.Metadata.Name,
                NamespaceProperty = lease.Metadata.NamespaceProperty,
                ResourceVersion = lease.Metadata.ResourceVersion,
                Labels = lease.Metadata.Labels,
                Annotations = lease.Metadata.Annotations,
            },
            Spec = heldByMe
                ? Held(spec.AcquireTime ?? now, now, spec.LeaseTransitions ?? 0)
                : Held(now, now, (spec.LeaseTransitions ?? 0) + 1),
        };
        return Observe(await _store.UpdateAsync(updated, ct).ConfigureAwait(false));
    }

    /// <summary>Clears the holder so the next candidate need not wait for expiry.</summary>
    private async Task ReleaseAsync()
    {
        if (_observed is not { Spec.HolderIdentity: var holder } lease || holder != _options.Identity)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var released = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta { Name = lease.Metadata.Name, NamespaceProperty = lease.Metadata.NamespaceProperty, ResourceVersion = lease.Metadata.ResourceVersion },
                Spec = new V1LeaseSpec { HolderIdentity = null, LeaseDurationSeconds = 1, AcquireTime = lease.Spec.AcquireTime, RenewTime = now, LeaseTransitions = lease.Spec.LeaseTransitions },
            };
            var result = await _store.UpdateAsync(released, timeout.Token).ConfigureAwait(false);
            LeaderLog.Released(_logger, _options.Identity, result.ToString());
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            LeaderLog.RenewFailed(_logger, _options.Identity, e.Message);
        }
    }

    private V1LeaseSpec Held(DateTime acquired, DateTime now, int transitions) => new()
    {
        HolderIdentity = _options.Identity,
        LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
        AcquireTime = acquired,
        RenewTime = now,
        LeaseTransitions = transitions,
    };

    private TimeSpan LeaseDurationOf(V1LeaseSpec spec) =>
        spec.LeaseDurationSeconds is { } s ? TimeSpan.FromSeconds(s) : _options.LeaseDuration;

    /// <summary>Records the lease as last seen; restarts the expiry clock when holder or renewTime changed.</summary>
    private bool Observe(Api.ApiResult<V1Lease> result)
    {
        if (!result.Ok || result.Value is not { } lease)
        {
            return false;
        }
        var previous = _observed?.Spec;
        if (previous is null || previous.HolderIdentity != lease.Spec?.HolderIdentity || previous.RenewTime != lease.Spec?.RenewTime)
        {
            _observedAt = _time.GetTimestamp();
            if (previous?.HolderIdentity != lease.Spec?.HolderIdentity && lease.Spec?.HolderIdentity is { Length: > 0 } newHolder)
            {
                OnNewLeader?.Invoke(newHolder);
            }
        }
        _observed = lease;
        return lease.Spec?.HolderIdentity == _options.Identity;
    }
}

internal static partial class LeaderLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "{Identity} became leader on lease {Lease}")]
    public static partial void Acquired(ILogger logger, string identity, string lease);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "{Identity} stopped leading on lease {Lease}")]
    public static partial void Lost(ILogger logger, string identity, string lease);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "{Identity}: lease call failed: {Reason}")]
    public static partial void RenewFailed(ILogger logger, string identity, string reason);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "{Identity} released its lease: {Result}")]
    public static partial void Released(ILogger logger, string identity, string result);
}
