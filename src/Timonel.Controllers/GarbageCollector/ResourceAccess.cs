using System.Reflection;
using k8s;
using k8s.Models;
using Timonel.Api.Scheme;
using Timonel.Client.Api;
using Timonel.Client.Informers;

namespace Timonel.Controllers.GarbageCollector;

/// <summary>The identity of one object: enough to read, patch or delete it without knowing its model type.</summary>
public sealed record ObjectRef(ResourceInfo Resource, string? Namespace, string Name, string Uid)
{
    public override string ToString() => $"{Resource.Kind} {(Namespace is null ? "" : Namespace + "/")}{Name} ({Uid})";
}

/// <summary>What the verbs of <see cref="ResourceAccess"/> report: found (with uid) or not.</summary>
public readonly record struct Lookup(bool Found, string? Uid, V1ObjectMeta? Metadata);

/// <summary>
/// The verbs the garbage collector and namespace controller need over every built-in resource,
/// bound once per model type (reflection at construction only, never per call).
/// </summary>
public abstract class ResourceAccess
{
    private static readonly MethodInfo CreateMethod =
        typeof(ResourceAccess).GetMethod(nameof(CreateTyped), BindingFlags.NonPublic | BindingFlags.Static)!;

    protected ResourceAccess(ResourceInfo resource) => Resource = resource;

    public ResourceInfo Resource { get; }

    /// <summary>Every built-in resource that is stored and can be listed and watched, except events (never owners or dependents worth tracking, as upstream).</summary>
    public static IReadOnlyList<ResourceAccess> ForAllBuiltin(ApiConnection api) =>
        ResourceRegistry.Builtin.Resources
            .Where(r => !r.IsVirtual && r.Verbs.Contains("list") && r.Verbs.Contains("watch") && r.Verbs.Contains("delete"))
            .Select(r => For(api, r))
            .ToList();

    public static ResourceAccess For(ApiConnection api, ResourceInfo resource) =>
        (ResourceAccess)CreateMethod.MakeGenericMethod(resource.ModelType).Invoke(null, [api, resource])!;

    public bool IsEvent => Resource.Kind == "Event";

    public abstract Task<Lookup> GetAsync(string? ns, string name, CancellationToken ct);

    /// <summary>Names of the objects in ns (every namespace when null).</summary>
    public abstract Task<ApiResult<IReadOnlyList<V1ObjectMeta>>> ListAsync(string? ns, CancellationToken ct);

    /// <summary>DELETE with a uid precondition so a re-created namesake is never hit.</summary>
    public abstract Task<ApiResult<object>> DeleteAsync(string? ns, string name, string? uid, string? propagation, CancellationToken ct);

    /// <summary>A JSON merge patch of the object.</summary>
    public abstract Task<ApiResult<object>> PatchAsync(string? ns, string name, string mergePatch, CancellationToken ct);

    /// <summary>Registers handlers that see every object only as its metadata (the type's shared informer, or a metadata-only one).</summary>
    public abstract void Watch(SharedInformerFactory informers, IResourceEventHandler<V1ObjectMeta> handler, out Func<CancellationToken, Task> waitForSync);

    private static ResourceAccess CreateTyped<T>(ApiConnection api, ResourceInfo resource) where T : class, IKubernetesObject<V1ObjectMeta> =>
        new Typed<T>(api, resource);

    private sealed class Typed<T>(ApiConnection api, ResourceInfo resource) : ResourceAccess(resource)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public override async Task<Lookup> GetAsync(string? ns, string name, CancellationToken ct)
        {
            var r = await api.GetAsync<T>(ns, name, ct).ConfigureAwait(false);
            if (r.IsNotFound)
            {
                return new Lookup(false, null, null);
            }
            var value = r.Require();
            return new Lookup(true, value.Metadata.Uid, value.Metadata);
        }

        public override async Task<ApiResult<IReadOnlyList<V1ObjectMeta>>> ListAsync(string? ns, CancellationToken ct)
        {
            var r = await api.ListAsync<T>(ns, null, ct).ConfigureAwait(false);
            return r.Ok
                ? new(r.Code, r.Value!.Items.Select(i => i.Metadata).ToList(), null)
                : new(r.Code, null, r.Error);
        }

        public override async Task<ApiResult<object>> DeleteAsync(string? ns, string name, string? uid, string? propagation, CancellationToken ct)
        {
            var r = await api.DeleteAsync<T>(ns, name, propagation, uid, ct).ConfigureAwait(false);
            return new(r.Code, r.Value, r.Error);
        }

        public override async Task<ApiResult<object>> PatchAsync(string? ns, string name, string mergePatch, CancellationToken ct)
        {
            var r = await api.PatchAsync<T>(ns, name, PatchType.Merge, mergePatch, ct: ct).ConfigureAwait(false);
            return new(r.Code, r.Value, r.Error);
        }

        public override void Watch(SharedInformerFactory informers, IResourceEventHandler<V1ObjectMeta> handler, out Func<CancellationToken, Task> waitForSync) =>
            waitForSync = informers.ObserveMetadata<T>(Resource, handler);
    }
}
