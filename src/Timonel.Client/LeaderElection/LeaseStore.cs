using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Client.LeaderElection;

/// <summary>
/// Where the Lease lives: the API server in production (<see cref="ApiLeaseStore"/>), memory in
/// unit tests. Results are values: NotFound, AlreadyExists and Conflict are the expected failures.
/// </summary>
public interface ILeaseStore
{
    Task<ApiResult<V1Lease>> GetAsync(string ns, string name, CancellationToken ct);
    Task<ApiResult<V1Lease>> CreateAsync(V1Lease lease, CancellationToken ct);
    /// <summary>Conditional on lease.Metadata.ResourceVersion.</summary>
    Task<ApiResult<V1Lease>> UpdateAsync(V1Lease lease, CancellationToken ct);
}

public sealed class ApiLeaseStore(ApiConnection api) : ILeaseStore
{
    public Task<ApiResult<V1Lease>> GetAsync(string ns, string name, CancellationToken ct) => api.GetAsync<V1Lease>(ns, name, ct);
    public Task<ApiResult<V1Lease>> CreateAsync(V1Lease lease, CancellationToken ct) => api.CreateAsync(lease, ct);
    public Task<ApiResult<V1Lease>> UpdateAsync(V1Lease lease, CancellationToken ct) => api.UpdateAsync(lease, ct);
}

/// <summary>Validated options; the defaults are client-go's.</summary>
public sealed record LeaderElectionOptions
{
    public required string LeaseNamespace { get; init; }
    public required string LeaseName { get; init; }
    /// <summary>Unique per candidate, e.g. host name + process id.</summary>
    public required string Identity { get; init; }
    /// <summary>How long others wait, from when they last saw the lease change, before taking it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>The leader gives up if it could not renew for this long.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Time between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>On cancellation, clear the holder so another candidate need not wait for expiry.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(LeaseNamespace);
        ArgumentException.ThrowIfNullOrEmpty(LeaseName);
        ArgumentException.ThrowIfNullOrEmpty(Identity);
        if (!(LeaseDuration > RenewDeadline && RenewDeadline > RetryPeriod && RetryPeriod > TimeSpan.Zero))
        {
            throw new ArgumentException("need LeaseDuration > RenewDeadline > RetryPeriod > 0");
        }
    }
}
