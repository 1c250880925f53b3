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
    /// <summary>
    /// A model type's resource, without managedFields (as upstream's controller manager and
    /// scheduler trim them): no component reads them, and a pod's field sets are a large share of it.
    /// An update sent from a cached copy carries none, which the server takes as "keep them".
    /// </summary>
    public static InformerSource<TModel> Typed<TModel>(ApiConnection api) where TModel : class, IKubernetesObject<k8s.Models.V1ObjectMeta> =>
        new(ResourceTable.For<TModel>().QualifiedName,
            async (ns, options, ct) => WithoutManagedFields(await api.ListAsync<TModel>(ns, options, ct).ConfigureAwait(false)),
            (ns, options, ct) => WithoutManagedFields(api.WatchAsync<TModel>(ns, options, ct)));

    /// <summary>
    /// Metadata only, and without managedFields: observers of metadata want identity, owners and
    /// finalizers, and a cache of every object of a kind should not keep each one's field sets.
    /// </summary>
    public static InformerSource<PartialObjectMetadata> Metadata(ApiConnection api, Timonel.Api.Scheme.ResourceInfo resource) =>
        new(resource.QualifiedName + " (metadata)",
            async (ns, options, ct) => WithoutManagedFields(await api.ListMetadataAsync(resource, ns, options, ct).ConfigureAwait(false)),
            (ns, options, ct) => WithoutManagedFields(api.WatchMetadataAsync(resource, ns, options, ct)));

    private static ApiResult<ObjectList<TModel>> WithoutManagedFields<TModel>(ApiResult<ObjectList<TModel>> page)
        where TModel : class, IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        foreach (var item in page.Value?.Items ?? []) if (item.Metadata is { } meta) meta.ManagedFields = null;
        return page;
    }

    private static async IAsyncEnumerable<WatchEvent<TModel>> WithoutManagedFields<TModel>(IAsyncEnumerable<WatchEvent<TModel>> events)
        where TModel : class, IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        await foreach (var e in events.ConfigureAwait(false))
        {
            if (e.Object?.Metadata is { } meta) meta.ManagedFields = null;
            yield return e;
        }
    }
}
