using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Client.Controllers;

namespace Timonel.Controllers.GarbageCollector;

public sealed partial class GarbageCollector
{
    private enum OwnerState { Solid, Dangling, WaitingForDependents }

    protected override async Task<SyncResult> SyncAsync(string uid, CancellationToken ct)
    {
        if (_graph.Get(uid) is not { } node)
        {
            return SyncResult.Done;
        }
        if (node.Deleting)
        {
            if (node.HasFinalizer(Finalizers.Orphan))
            {
                return await OrphanDependentsAsync(node, ct).ConfigureAwait(false);
            }
            return node.HasFinalizer(Finalizers.ForegroundDeletion)
                ? await ProcessDeletingDependentsAsync(node, ct).ConfigureAwait(false)
                : SyncResult.Done;
        }
        return node.Owners.Count == 0 || AllOwnersSolidInGraph(node)
            ? SyncResult.Done
            : await AttemptToDeleteAsync(node, ct).ConfigureAwait(false);
    }

    /// <summary>The common case needs no API call: every owner is known, with the same uid, and not deleting in the foreground.</summary>
    private bool AllOwnersSolidInGraph(GraphNode node) =>
        node.Owners.All(o => _graph.Get(o.Uid) is { DeletingDependents: false } owner && owner.Ref.Name == o.Name);

    /// <summary>
    /// Upstream's attemptToDeleteItem: re-read the dependent and its owners through the API; keep it
    /// if one owner is solid (dropping references to gone or foreground-deleting owners), else delete it.
    /// </summary>
    private async Task<SyncResult> AttemptToDeleteAsync(GraphNode node, CancellationToken ct)
    {
        var access = _access[node.Ref.Resource];
        var latest = await access.GetAsync(node.Ref.Namespace, node.Ref.Name, ct).ConfigureAwait(false);
        if (!latest.Found || latest.Uid != node.Ref.Uid || latest.Metadata!.DeletionTimestamp is not null)
        {
            return SyncResult.Done;
        }
        var meta = latest.Metadata;
        var owners = (IReadOnlyList<V1OwnerReference>?)meta.OwnerReferences ?? [];
        if (owners.Count == 0)
        {
            return SyncResult.Done;
        }
        var states = new List<(V1OwnerReference Ref, OwnerState State)>();
        foreach (var owner in owners)
        {
            states.Add((owner, await ClassifyAsync(node, owner, ct).ConfigureAwait(false)));
        }
        if (states.Any(s => s.State == OwnerState.Solid))
        {
            var drop = states.Where(s => s.State != OwnerState.Solid).Select(s => s.Ref.Uid).ToHashSet();
            if (drop.Count == 0)
            {
                return SyncResult.Done;
            }
            GarbageCollectorLog.Unlinking(Logger, string.Join(",", drop), node.Ref.ToString());
            var remaining = owners.Where(o => !drop.Contains(o.Uid)).ToList();
            return Outcome(await access.PatchAsync(node.Ref.Namespace, node.Ref.Name, OwnerReferencesPatch(meta, remaining), ct).ConfigureAwait(false));
        }
        string policy;
        if (states.Any(s => s.State == OwnerState.WaitingForDependents) && _graph.DependentsOf(node.Ref.Uid).Count > 0)
        {
            // A cycle: a dependent of this object is itself waiting for this object. Stop blocking
            // it, or the two foreground deletions would wait on each other forever.
            if (_graph.DependentsOf(node.Ref.Uid).Any(d => d.DeletingDependents) && owners.Any(o => o.BlockOwnerDeletion == true))
            {
                var unblocked = owners.Select(o => Copy(o, blockOwnerDeletion: false)).ToList();
                var patched = await access.PatchAsync(node.Ref.Namespace, node.Ref.Name, OwnerReferencesPatch(meta, unblocked), ct).ConfigureAwait(false);
                if (!patched.Ok)
                {
                    return Outcome(patched);
                }
            }
            policy = "Foreground";
        }
        else
        {
            policy = meta.Finalizers?.Contains(Finalizers.Orphan) == true ? "Orphan"
                : meta.Finalizers?.Contains(Finalizers.ForegroundDeletion) == true ? "Foreground"
                : "Background";
        }
        GarbageCollectorLog.Deleting(Logger, node.Ref.ToString(), policy);
        return Outcome(await access.DeleteAsync(node.Ref.Namespace, node.Ref.Name, node.Ref.Uid, policy, ct).ConfigureAwait(false));
    }

    /// <summary>An owner is dangling when the API has no object of that name with that uid.</summary>
    private async Task<OwnerState> ClassifyAsync(GraphNode dependent, V1OwnerReference owner, CancellationToken ct)
    {
        if (ResourceOf(owner) is not { } resource || !_access.TryGetValue(resource, out var access))
        {
            // A kind this server does not serve cannot be checked: keep the dependent, as a solid owner would.
            return OwnerState.Solid;
        }
        var ns = resource.Namespaced ? dependent.Ref.Namespace : null;
        var found = await access.GetAsync(ns, owner.Name, ct).ConfigureAwait(false);
        if (!found.Found || found.Uid != owner.Uid)
        {
            return OwnerState.Dangling;
        }
        return found.Metadata!.DeletionTimestamp is not null && found.Metadata.Finalizers?.Contains(Finalizers.ForegroundDeletion) == true
            ? OwnerState.WaitingForDependents
            : OwnerState.Solid;
    }

    /// <summary>Orphan: every dependent loses its reference to the owner, then the owner loses the finalizer.</summary>
    private async Task<SyncResult> OrphanDependentsAsync(GraphNode owner, CancellationToken ct)
    {
        var dependents = _graph.DependentsOf(owner.Ref.Uid);
        foreach (var dependent in dependents)
        {
            var remaining = dependent.Owners.Where(o => o.Uid != owner.Ref.Uid).ToList();
            var patched = await _access[dependent.Ref.Resource].PatchAsync(dependent.Ref.Namespace, dependent.Ref.Name,
                OwnerReferencesPatch(dependent.Metadata, remaining), ct).ConfigureAwait(false);
            if (!patched.Ok && !patched.IsNotFound)
            {
                return SyncResult.Failed($"orphaning {dependent.Ref}: {patched}");
            }
        }
        GarbageCollectorLog.Orphaned(Logger, dependents.Count, owner.Ref.ToString());
        return await RemoveFinalizerAsync(owner, Finalizers.Orphan, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Foreground: every dependent is deleted; the owner keeps its finalizer while a dependent that
    /// blocks owner deletion exists.
    /// </summary>
    private async Task<SyncResult> ProcessDeletingDependentsAsync(GraphNode owner, CancellationToken ct)
    {
        var dependents = _graph.DependentsOf(owner.Ref.Uid);
        foreach (var dependent in dependents.Where(d => !d.Deleting))
        {
            Queue.Add(dependent.Ref.Uid);
        }
        var blocking = dependents.Any(d => d.Owners.Any(o => o.Uid == owner.Ref.Uid && o.BlockOwnerDeletion == true));
        return blocking ? SyncResult.Done : await RemoveFinalizerAsync(owner, Finalizers.ForegroundDeletion, ct).ConfigureAwait(false);
    }

    private async Task<SyncResult> RemoveFinalizerAsync(GraphNode owner, string finalizer, CancellationToken ct)
    {
        GarbageCollectorLog.Finalized(Logger, finalizer, owner.Ref.ToString());
        var rest = (owner.Metadata.Finalizers ?? []).Where(f => f != finalizer).Select(f => (JsonNode?)f).ToArray();
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["uid"] = owner.Ref.Uid,
                ["resourceVersion"] = owner.Metadata.ResourceVersion,
                ["finalizers"] = new JsonArray(rest),
            },
        };
        return Outcome(await _access[owner.Ref.Resource].PatchAsync(owner.Ref.Namespace, owner.Ref.Name, patch.ToJsonString(), ct).ConfigureAwait(false));
    }

    /// <summary>A merge patch replacing ownerReferences, valid only on the version it was computed from.</summary>
    private static string OwnerReferencesPatch(V1ObjectMeta meta, IReadOnlyList<V1OwnerReference> owners)
    {
        var metadata = new JsonObject
        {
            ["uid"] = meta.Uid,
            ["resourceVersion"] = meta.ResourceVersion,
            ["ownerReferences"] = owners.Count == 0 ? null : JsonNode.Parse(KubernetesJson.Serialize(owners)),
        };
        return new JsonObject { ["metadata"] = metadata }.ToJsonString();
    }

    private static V1OwnerReference Copy(V1OwnerReference o, bool blockOwnerDeletion) =>
        new() { ApiVersion = o.ApiVersion, Kind = o.Kind, Name = o.Name, Uid = o.Uid, BlockOwnerDeletion = blockOwnerDeletion ? true : null, Controller = o.Controller };

    /// <summary>Gone already is success; a stale version (409) is retried once the caches catch up.</summary>
    private static SyncResult Outcome(Client.Api.ApiResult<object> result) =>
        result.Ok || result.IsNotFound ? SyncResult.Done : SyncResult.Failed(result.ToString());
}
