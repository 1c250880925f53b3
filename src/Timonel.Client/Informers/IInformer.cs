using k8s;
using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Client.Informers;

/// <summary>
/// Reacts to cache changes. Calls for one handler arrive in order on one task, never
/// concurrently, and after the cache already holds the change. Keep handlers short (enqueue a
/// key): a slow handler delays only its own notifications. Objects are the shared cached
/// instances: never change them (copy first).
/// </summary>
public interface IResourceEventHandler<in T>
{
    void OnAdd(T obj);
    /// <summary>Also called with oldObj == newObj on periodic resync.</summary>
    void OnUpdate(T oldObj, T newObj);
    /// <summary>
    /// finalStateUnknown: the delete was missed while the watch was down and found by a relist;
    /// obj is then the last state the cache knew (a tombstone), not the object's final state.
    /// </summary>
    void OnDelete(T obj, bool finalStateUnknown);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> from delegates; missing ones ignore the event.</summary>
public sealed class ResourceEventHandler<T> : IResourceEventHandler<T>
{
    public Action<T>? Added { get; init; }
    public Action<T, T>? Updated { get; init; }
    public Action<T, bool>? Deleted { get; init; }

    /// <summary>One action for every event, given the object concerned (the new one on update).</summary>
    public static ResourceEventHandler<T> ForAll(Action<T> onAny) =>
        new() { Added = onAny, Updated = (_, n) => onAny(n), Deleted = (o, _) => onAny(o) };

    public void OnAdd(T obj) => Added?.Invoke(obj);
    public void OnUpdate(T oldObj, T newObj) => Updated?.Invoke(oldObj, newObj);
    public void OnDelete(T obj, bool finalStateUnknown) => Deleted?.Invoke(obj, finalStateUnknown);
}

/// <summary>Reads the informer's local cache. Returned objects are shared and read-only: copy before changing.</summary>
public interface ILister<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>ns is ignored (pass null) for cluster-scoped types.</summary>
    T? Get(string? ns, string name);
    /// <summary>ns null lists every namespace; selector null matches everything.</summary>
    IReadOnlyList<T> List(string? ns = null, LabelSelector? selector = null);
    /// <summary>The objects whose index function returned this value.</summary>
    IReadOnlyList<T> ByIndex(string indexName, string value);
}

/// <summary>A list + watch of one resource type, kept in a local cache. Obtain from <see cref="SharedInformerFactory"/>.</summary>
public interface IInformer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>
    /// Registers a handler. If the cache already holds objects, the handler first receives OnAdd
    /// for each of them, so a late handler sees the same world as an early one.
    /// </summary>
    void AddEventHandler(IResourceEventHandler<T> handler);

    /// <summary>
    /// Adds an index (e.g. pods by spec.nodeName) queried through <see cref="ILister{T}.ByIndex"/>.
    /// The namespace index <see cref="Indexes.Namespace"/> always exists.
    /// </summary>
    void AddIndex(string name, Func<T, IEnumerable<string>> indexFunction);

    ILister<T> Lister { get; }

    /// <summary>True once the first full list is in the cache (it stays true across relists).</summary>
    bool HasSynced { get; }

    Task WaitForCacheSyncAsync(CancellationToken ct = default);
}

public static class Indexes
{
    /// <summary>The built-in index by metadata.namespace ("" for cluster-scoped objects).</summary>
    public const string Namespace = "namespace";
}
