using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.EndpointSlices;

/// <summary>
/// Remembers this controller's own slice writes until the informer cache shows them. While a
/// service has a write the cache has not caught up with, a sync would plan from stale slices
/// (and, e.g., create a second slice for the same endpoints), so it waits for the cache instead.
/// Keys are service keys; one key is never synced concurrently, so per-key state needs no lock.
/// </summary>
internal sealed class SliceTracker
{
    private readonly ConcurrentDictionary<string, Dictionary<string, long?>> _pending = new(StringComparer.Ordinal);

    /// <summary>A slice written with this resourceVersion (null: deleted).</summary>
    public void Wrote(string serviceKey, string sliceName, string? resourceVersion) =>
        _pending.GetOrAdd(serviceKey, _ => new(StringComparer.Ordinal))[sliceName] =
            resourceVersion is null ? null : Parse(resourceVersion);

    public void Forget(string serviceKey) => _pending.TryRemove(serviceKey, out _);

    /// <summary>True when every write of the service is visible in the cache (satisfied ones are dropped).</summary>
    public bool CacheIsCurrent(string serviceKey, string? ns, ILister<V1EndpointSlice> slices)
    {
        if (!_pending.TryGetValue(serviceKey, out var writes))
        {
            return true;
        }
        foreach (var (name, version) in writes.ToList())
        {
            var cached = slices.Get(ns, name);
            var seen = version is null
                ? cached is null
                : cached is null || Parse(cached.Metadata.ResourceVersion) >= version; // gone since: nothing to wait for
            if (seen)
            {
                writes.Remove(name);
            }
        }
        return writes.Count == 0;
    }

    private static long Parse(string? resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : long.MaxValue;
}
