using System.Collections.Concurrent;
using Timonel.Api.Scheme;
using Timonel.ApiServer.Storage;
using Timonel.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>What every request handler shares: the registry, the store per resource, the clock.</summary>
public sealed class ApiContext(ResourceRegistry registry, IKeyValueStore store, Hosting.ApiServerOptions options)
{
    private readonly ConcurrentDictionary<ResourceInfo, ObjectStore> _stores = new();

    public ResourceRegistry Registry => registry;
    public IKeyValueStore Backend => store;
    public TimeProvider Time => options.Time;
    public Hosting.ApiServerOptions Options => options;

    public ObjectStore StoreFor(ResourceInfo resource) => _stores.GetOrAdd(resource, r => new ObjectStore(store, r));

    public ObjectStore Namespaces => StoreFor(registry.Find("", "v1", "namespaces")!);
}
