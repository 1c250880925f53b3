using System.Net;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Client.LeaderElection;

namespace Timonel.Client.Tests;

/// <summary>One Lease in memory with the API server's optimistic concurrency (resourceVersion).</summary>
internal sealed class MemoryLeaseStore : ILeaseStore
{
    private readonly Lock _lock = new();
    private V1Lease? _lease;
    private int _revision;

    public V1Lease? Current
    {
        get { lock (_lock) return _lease; }
    }

    public Task<ApiResult<V1Lease>> GetAsync(string ns, string name, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_lease is null
                ? new ApiResult<V1Lease>(HttpStatusCode.NotFound, null, new V1Status { Reason = "NotFound" })
                : new ApiResult<V1Lease>(HttpStatusCode.OK, Copy(_lease), null));
        }
    }

    public Task<ApiResult<V1Lease>> CreateAsync(V1Lease lease, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_lease is not null)
            {
                return Task.FromResult(new ApiResult<V1Lease>(HttpStatusCode.Conflict, null, new V1Status { Reason = "AlreadyExists" }));
            }
            _lease = Stored(lease);
            return Task.FromResult(new ApiResult<V1Lease>(HttpStatusCode.Created, Copy(_lease), null));
        }
    }

    public Task<ApiResult<V1Lease>> UpdateAsync(V1Lease lease, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_lease is null || _lease.Metadata.ResourceVersion != lease.Metadata.ResourceVersion)
            {
                return Task.FromResult(new ApiResult<V1Lease>(HttpStatusCode.Conflict, null, new V1Status { Reason = "Conflict" }));
            }
            _lease = Stored(lease);
            return Task.FromResult(new ApiResult<V1Lease>(HttpStatusCode.OK, Copy(_lease), null));
        }
    }

    private V1Lease Stored(V1Lease lease)
    {
        var copy = Copy(lease);
        copy.Metadata.ResourceVersion = (++_revision).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return copy;
    }

    private static V1Lease Copy(V1Lease lease) => k8s.KubernetesJson.Deserialize<V1Lease>(k8s.KubernetesJson.Serialize(lease));
}
