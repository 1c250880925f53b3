using k8s;
using Timonel.Client.Api;

namespace Timonel.Client.Informers;

/// <summary>Where an informer lists and watches: a model type's resource, or any resource by metadata only.</summary>
internal sealed record InformerSource<T>(
    string Resource,
    Func<string?, ListOptions, CancellationToken, Task<ApiResult<ObjectList<T>>>> List,
    Func<string?, ListOptions, CancellationToken, IAsyncEnumerable<WatchEvent<T>>> Watch)
    where T : class
{
    public static InformerSource<TModel> Typed<TModel>(ApiConnection api) where TModel : class, IKubernetesObject<k8s.Models.V1ObjectMeta> =>
        new(ResourceTable.For<TModel>().QualifiedName,
            (ns, options, ct) => api.ListAsync<TModel>(ns, options, ct),
            (ns, options, ct) => api.WatchAsync<TModel>(ns, options, ct));

    /// <summary>
    /// Metadata only, and without managedFields: observers of metadata want identity, owners and
    /// finalizers, and a cache of every object of a kind should not keep each one's field sets.
    /// </summary>
    public static InformerSource<PartialObjectMetadata> Metadata(ApiConnection api, Timonel.Api.Scheme.ResourceInfo resource) =>
        new(resource.QualifiedName + " (metadata)",
            async (ns, options, ct) =>
            {
                var page = await api.ListMetadataAsync(resource, ns, options, ct).ConfigureAwait(false);
                foreach (var item in page.Value?.Items ?? []) item.Metadata.ManagedFields = null;
                return page;
            },
            (ns, options, ct) => WithoutManagedFields(api.WatchMetadataAsync(resource, ns, options, ct)));

    private static async IAsyncEnumerable<WatchEvent<PartialObjectMetadata>> WithoutManagedFields(IAsyncEnumerable<WatchEvent<PartialObjectMetadata>> events)
    {
        await foreach (var e in events.ConfigureAwait(false))
        {
            if (e.Object is { } o) o.Metadata.ManagedFields = null;
            yield return e;
        }
    }
}
