using System.Collections.Concurrent;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Storage;
using Timonel.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>What every request handler shares: the registry, the store per resource, the clock.</summary>
public sealed class ApiContext(ResourceRegistry registry, IKeyValueStore store, Hosting.ApiServerOptions options)
{
    private readonly ConcurrentDictionary<ResourceInfo, ObjectStore> _stores = new();
    private readonly ConcurrentDictionary<ResourceInfo, WatchCache> _caches = new();

    public ResourceRegistry Registry => registry;
    public IKeyValueStore Backend => store;
    public TimeProvider Time => options.Time;
    public Hosting.ApiServerOptions Options => options;

    public ObjectStore StoreFor(ResourceInfo resource) => _stores.GetOrAdd(resource, r => new ObjectStore(store, r));

    /// <summary>The resource's watch cache, started on first use and kept for the server's life.</summary>
    public WatchCache CacheFor(ResourceInfo resource) => _caches.GetOrAdd(resource, r => new WatchCache(store, r.KeyPrefix));

    public async ValueTask DisposeCachesAsync()
    {
        foreach (var cache in _caches.Values) await cache.DisposeAsync();
    }

    public ObjectStore Namespaces => StoreFor(registry.Find("", "v1", "namespaces")!);
}
