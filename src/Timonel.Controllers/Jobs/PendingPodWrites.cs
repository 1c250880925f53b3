using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Jobs;

/// <summary>
/// This controller's own pod writes per owner key, remembered until the pod informer shows them
/// (upstream's "expectations"). A sync that counted pods from a cache missing its last creations
/// would create them again, so it waits instead. A write never seen within five minutes is
/// forgotten (the informer may have missed it; a relist makes the cache right again).
/// Per-key state is only touched by the sync of that key, which never runs concurrently.
/// </summary>
public sealed class PendingPodWrites(TimeProvider time)
{
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);

    private enum Kind { Created, Deleted, FinalizerRemoved }

    private readonly ConcurrentDictionary<string, List<(Kind Kind, string Name, string Finalizer, DateTimeOffset At)>> _pending = new(StringComparer.Ordinal);

    public void Created(string key, string podName) => Add(key, Kind.Created, podName, "");
    public void Deleted(string key, string podName) => Add(key, Kind.Deleted, podName, "");
    public void FinalizerRemoved(string key, string podName, string finalizer) => Add(key, Kind.FinalizerRemoved, podName, finalizer);

    public void Forget(string key) => _pending.TryRemove(key, out _);

    /// <summary>True when the cache shows every write of this key; satisfied writes are dropped.</summary>
    public bool Satisfied(string key, string? ns, ILister<V1Pod> pods)
    {
        if (!_pending.TryGetValue(key, out var writes))
        {
            return true;
        }
        var now = time.GetUtcNow();
        writes.RemoveAll(w =>
        {
            if (now - w.At > Expiry)
            {
                return true;
            }
            var pod = pods.Get(ns, w.Name);
            return w.Kind switch
            {
                Kind.Created => pod is not null,
                Kind.Deleted => pod is null || pod.Metadata.DeletionTimestamp is not null,
                _ => pod is null || pod.Metadata.Finalizers?.Contains(w.Finalizer) != true,
            };
        });
        return writes.Count == 0;
    }

    /// <summary>Whether a finalizer removal of this pod is still waiting to show in the cache.</summary>
    public bool RemovingFinalizer(string key, string podName) =>
        _pending.TryGetValue(key, out var writes) && writes.Any(w => w.Kind == Kind.FinalizerRemoved && w.Name == podName);

    private void Add(string key, Kind kind, string name, string finalizer) =>
        _pending.GetOrAdd(key, _ => []).Add((kind, name, finalizer, time.GetUtcNow()));
}
