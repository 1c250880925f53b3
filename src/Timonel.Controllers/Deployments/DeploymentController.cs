using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Events;
using Timonel.Client.Informers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Deployments;

/// <summary>
/// Rolls Deployments out through ReplicaSets (upstream's deployment controller). Handlers enqueue
/// the Deployment of a changed ReplicaSet (or, for an orphan, every Deployment whose selector
/// matches it). One sync works on a private copy of the Deployment: it claims ReplicaSets, then
/// either only scales (paused, or spec.replicas changed) or rolls out (RollingUpdate or
/// Recreate), and writes the status last. Every decision reads ReplicaSet specs and statuses,
/// never pods, except Recreate, which waits until no old pod is left.
/// </summary>
public sealed partial class DeploymentController : Controller, IRunnableController
{
    private readonly ControllerContext _context;
    private readonly ApiConnection _api;
    private readonly EventRecorder _events;
    private readonly IInformer<V1Deployment> _deployments;
    private readonly IInformer<V1ReplicaSet> _replicaSets;
    private readonly IInformer<V1Pod> _pods;

    public DeploymentController(ControllerContext context)
        : base("deployment", context.Time, context.Loggers.CreateLogger("timonel.controllers.deployment"))
    {
        _context = context;
        _api = context.Api;
        _events = context.EventsFrom("deployment-controller");
        _deployments = context.Informers.GetInformer<V1Deployment>();
        _replicaSets = context.Informers.GetInformer<V1ReplicaSet>();
        _pods = context.Informers.GetInformer<V1Pod>();
        PodControllerIndex.AddTo(_pods);
        _deployments.AddEventHandler(ResourceEventHandler<V1Deployment>.ForAll(Enqueue));
        _replicaSets.AddEventHandler(new ResourceEventHandler<V1ReplicaSet>
        {
            Added = ReplicaSetChanged,
            Updated = (old, rs) =>
            {
                var oldRef = OwnerRefs.ControllerOf(old.Metadata);
                if (oldRef is not null && oldRef.Uid != OwnerRefs.ControllerOf(rs.Metadata)?.Uid)
                {
                    ReplicaSetChanged(old);
                }
                ReplicaSetChanged(rs);
            },
            Deleted = (rs, _) => ReplicaSetChanged(rs),
        });
        // Recreate waits for the last old pod to go.
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod> { Deleted = (pod, _) => PodDeleted(pod) });
    }

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers,
            [_deployments.WaitForCacheSyncAsync, _replicaSets.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync], ct);

    private void ReplicaSetChanged(V1ReplicaSet rs)
    {
        if (OwnerRefs.ControllerOf(rs.Metadata) is { } owner)
        {
            if (owner.Kind == "Deployment" && _deployments.Lister.Get(rs.Metadata.NamespaceProperty, owner.Name) is { } d
                && d.Metadata.Uid == owner.Uid)
            {
                Enqueue(d);
            }
            return;
        }
        foreach (var d in _deployments.Lister.List(rs.Metadata.NamespaceProperty))
        {
            var selector = LabelSelector.FromModel(d.Spec.Selector);
            if (!selector.IsEmpty && selector.Matches(rs.Metadata.Labels))
            {
                Enqueue(d);
            }
        }
    }

    private void PodDeleted(V1Pod pod)
    {
        if (OwnerRefs.ControllerOf(pod.Metadata) is { Kind: "ReplicaSet" } owner
            && _replicaSets.Lister.Get(pod.Metadata.NamespaceProperty, owner.Name) is { } rs)
        {
            ReplicaSetChanged(rs);
        }
    }

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var cached = _deployments.Lister.Get(key[..slash], key[(slash + 1)..]);
        if (cached is null)
        {
            return SyncResult.Done;
        }
        var d = ObjectCopy.Clone(cached);
        var selector = LabelSelector.FromModel(d.Spec.Selector);
        if (selector.IsEmpty)
        {
            _events.Record(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return SyncResult.Done;
        }
        var (sets, claimError) = await ClaimReplicaSetsAsync(d, selector, ct).ConfigureAwait(false);
        if (claimError is not null)
        {
            return SyncResult.Failed(claimError);
        }
        // Claimed sets are cache objects: this sync resizes private copies.
        sets = sets.Select(ObjectCopy.Clone).ToList();
        if (d.Metadata.DeletionTimestamp is not null)
        {
            return await SyncStatusOnlyAsync(d, sets, ct).ConfigureAwait(false);
        }
        if (await CheckPausedConditionsAsync(d, ct).ConfigureAwait(false) is { } pauseError)
        {
            return SyncResult.Failed(pauseError);
        }
        if (d.Spec.Paused == true || IsScalingEvent(d, sets))
        {
            return await SyncScaleAsync(d, sets, ct).ConfigureAwait(false);
        }
        return DeploymentMath.IsRolling(d)
            ? await RolloutRollingAsync(d, sets, ct).ConfigureAwait(false)
            : await RolloutRecreateAsync(d, sets, ct).ConfigureAwait(false);
    }
}
