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

    public static InformerSource<PartialObjectMetadata> Metadata(ApiConnection api, Timonel.Api.Scheme.ResourceInfo resource) =>
        new(resource.QualifiedName + " (metadata)",
            (ns, options, ct) => api.ListMetadataAsync(resource, ns, options, ct),
            (ns, options, ct) => api.WatchMetadataAsync(resource, ns, options, ct));
}
