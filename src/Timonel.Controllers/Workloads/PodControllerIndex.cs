using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Controllers.Workloads;

/// <summary>
/// A pod informer index by the uid of the pod's controller (the ownerReference with
/// controller=true); pods without one are indexed under their namespace's orphan key. A sync that
/// claims pods then reads exactly the candidates the claim rules can keep or adopt (its own pods
/// and the orphans of its namespace), instead of every pod of the namespace: pods controlled by
/// anyone else are never claimed, so leaving them out changes no result.
/// </summary>
public static class PodControllerIndex
{
    public const string Name = "pod-controller-uid";

    /// <summary>Idempotent: every controller that reads the index registers it (the same function replaces itself).</summary>
    public static void AddTo(IInformer<V1Pod> pods) => pods.AddIndex(Name, Values);

    public static IEnumerable<string> Values(V1Pod pod) =>
        OwnerRefs.ControllerOf(pod.Metadata) is { } owner
            ? [owner.Uid]
            : [OrphanKey(pod.Metadata.NamespaceProperty)];

    /// <summary>A slash never appears in a uid, so this key cannot collide with one.</summary>
    public static string OrphanKey(string? ns) => "orphans/" + ns;

    /// <summary>
    /// The pods of <paramref name="ns"/> controlled by <paramref name="controllerUid"/>, then the
    /// orphans of <paramref name="ns"/>. A uid is unique, but a pod of another namespace may still
    /// name it; such pods are skipped, as a namespace list would never have shown them.
    /// </summary>
    public static List<V1Pod> OwnedAndOrphans(ILister<V1Pod> pods, string ns, string controllerUid)
    {
        var owned = pods.ByIndex(Name, controllerUid);
        var orphans = pods.ByIndex(Name, OrphanKey(ns));
        var result = new List<V1Pod>(owned.Count + orphans.Count);
        for (var i = 0; i < owned.Count; i++)
        {
            if (owned[i].Metadata.NamespaceProperty == ns)
            {
                result.Add(owned[i]);
            }
        }
        result.AddRange(orphans);
        return result;
    }
}
