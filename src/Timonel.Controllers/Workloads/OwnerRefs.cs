using k8s;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Client.Api;

namespace Timonel.Controllers.Workloads;

/// <summary>
/// Controller references (ownerReferences with controller=true) and the claim rules of upstream's
/// ControllerRefManager: an object controlled by us that stops matching our selector is released;
/// an orphan that matches is adopted, but only after a fresh read confirms the owner still exists
/// with the same uid and is not being deleted. Objects controlled by someone else are never touched.
/// Both writes are merge patches carrying the object's resourceVersion, so a concurrent change
/// makes them fail (the sync is retried) instead of overwriting.
/// </summary>
public static class OwnerRefs
{
    /// <summary>Read for every candidate on every claim: a plain loop over the list, no enumerator.</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta meta)
    {
        var refs = meta.OwnerReferences;
        if (refs is null)
        {
            return null;
        }
        for (var i = 0; i < refs.Count; i++)
        {
            if (refs[i].Controller == true)
            {
                return refs[i];
            }
        }
        return null;
    }

    /// <summary>
    /// The queue key ("namespace/name") of the object's controller when it is of
    /// <paramref name="kind"/>: how a controller hears about changes to what it owns.
    /// </summary>
    public static string? ControllerKey(V1ObjectMeta meta, string kind) =>
        ControllerOf(meta) is { } owner && owner.Kind == kind ? $"{meta.NamespaceProperty}/{owner.Name}" : null;

    public static V1OwnerReference NewControllerRef(IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind) =>
        NewControllerRef(owner.Metadata, apiVersion, kind);

    public static V1OwnerReference NewControllerRef(V1ObjectMeta owner, string apiVersion, string kind) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>The objects the owner controls after adopting and releasing as needed.</summary>
    /// <param name="canAdopt">A fresh check of the owner, called at most once, before the first adoption.</param>
    /// <param name="consider">Candidates it rejects are skipped as if absent (e.g. inactive pods).</param>
    /// <param name="onClaimed">Called with each claimed object (the adopted version for adoptions), in order,
    /// so a caller can count while claiming instead of walking the result again.</param>
    public static async Task<(List<T> Claimed, string? Error)> ClaimAsync<T>(ApiConnection api,
        IKubernetesObject<V1ObjectMeta> owner, V1OwnerReference ownerRef, LabelSelector selector,
        IReadOnlyList<T> candidates, Func<Task<bool>> canAdopt, CancellationToken ct,
        Func<T, bool>? consider = null, Action<T>? onClaimed = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var claimed = new List<T>(candidates.Count);
        bool? adoptable = null;
        var ownerDeleting = owner.Metadata.DeletionTimestamp is not null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var obj = candidates[i];
            if (consider is not null && !consider(obj))
            {
                continue;
            }
            var controller = ControllerOf(obj.Metadata);
            if (controller is not null)
            {
                if (controller.Uid != owner.Metadata.Uid)
                {
                    continue;
                }
                if (ownerDeleting || selector.Matches(obj.Metadata.Labels))
                {
                    claimed.Add(obj);
                    onClaimed?.Invoke(obj);
                    continue;
                }
                var released = await PatchOwnersAsync(api, obj,
                    obj.Metadata.OwnerReferences!.Where(r => r.Uid != owner.Metadata.Uid).ToList(), ct).ConfigureAwait(false);
                if (!released.Ok && !released.IsNotFound)
                {
                    return (claimed, $"releasing {obj.Metadata.Name}: {released}");
                }
                continue;
            }
            if (ownerDeleting || obj.Metadata.DeletionTimestamp is not null || !selector.Matches(obj.Metadata.Labels))
            {
                continue;
            }
            adoptable ??= await canAdopt().ConfigureAwait(false);
            if (adoptable != true)
            {
                continue;
            }
            var adopted = await PatchOwnersAsync(api, obj,
                [.. obj.Metadata.OwnerReferences ?? [], ownerRef], ct).ConfigureAwait(false);
            if (adopted.IsNotFound)
            {
                continue;
            }
            if (!adopted.Ok)
            {
                return (claimed, $"adopting {obj.Metadata.Name}: {adopted}");
            }
            claimed.Add(adopted.Value!);
            onClaimed?.Invoke(adopted.Value!);
        }
        return (claimed, null);
    }

    private static Task<ApiResult<T>> PatchOwnersAsync<T>(ApiConnection api, T obj, List<V1OwnerReference> owners, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var patch = new V1ObjectMeta
        {
            ResourceVersion = obj.Metadata.ResourceVersion,
            OwnerReferences = owners,
        };
        var body = "{\"metadata\":" + KubernetesJson.Serialize(patch) + "}";
        return api.PatchAsync<T>(obj.Metadata.NamespaceProperty, obj.Metadata.Name, PatchType.Merge, body, ct: ct);
    }
}
