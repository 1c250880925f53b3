using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Endpoints;
using Timonel.Controllers.Jobs;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.DaemonSets;

/// <summary>
/// Runs one pod of each apps/v1 DaemonSet on every eligible node (<see cref="NodeEligibility"/>),
/// pinned to its node by node-name affinity for the scheduler to bind, rolls template changes
/// out (<see cref="DaemonPlanner"/>), keeps the template history (<see cref="DaemonRevisions"/>)
/// and reports status.
/// </summary>
public sealed class DaemonSetController : Controller, IRunnableController
{
    private readonly ControllerContext _context;
    private readonly IInformer<V1DaemonSet> _daemonSets;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Node> _nodes;
    private readonly IInformer<V1ControllerRevision> _revisions;
    private readonly PendingPodWrites _pending;

    public DaemonSetController(ControllerContext context)
        : base("daemonset-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.daemonset"))
    {
        _context = context;
        _daemonSets = context.Informers.GetInformer<V1DaemonSet>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _nodes = context.Informers.GetInformer<V1Node>();
        _revisions = context.Informers.GetInformer<V1ControllerRevision>();
        _pending = new PendingPodWrites(context.Time);
        _daemonSets.AddEventHandler(ResourceEventHandler<V1DaemonSet>.ForAll(Enqueue));
        _pods.AddEventHandler(ResourceEventHandler<V1Pod>.ForAll(pod =>
        {
            if (OwnerRefs.ControllerKey(pod.Metadata, "DaemonSet") is { } key)
            {
                Queue.Add(key);
            }
        }));
        // A node's labels, taints or existence decide where daemons run: every DaemonSet looks again.
        _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = _ => EnqueueAll(),
            Updated = (old, node) =>
            {
                if (Json(old.Metadata.Labels) != Json(node.Metadata.Labels) || Json(old.Spec?.Taints) != Json(node.Spec?.Taints))
                {
                    EnqueueAll();
                }
            },
            Deleted = (_, _) => EnqueueAll(),
        });
    }

    /// <summary>JSON text for comparing; null stays null (KubernetesJson cannot serialize null).</summary>
    private static string? Json(object? value) => value is null ? null : KubernetesJson.Serialize(value);

    private void EnqueueAll()
    {
        foreach (var ds in _daemonSets.Lister.List())
        {
            Enqueue(ds);
        }
    }

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers,
            [_daemonSets.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync, _nodes.WaitForCacheSyncAsync, _revisions.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var ds = _daemonSets.Lister.Get(ns, name);
        if (ds is null)
        {
            _pending.Forget(key);
            return SyncResult.Done;
        }
        if (ds.Metadata.DeletionTimestamp is not null)
        {
            return SyncResult.Done;
        }
        if (!_pending.Satisfied(key, ns, _pods.Lister))
        {
            return SyncResult.After(TimeSpan.FromSeconds(1)); // the pod events bring the key back sooner
        }
        var owner = RevisionOwner.Of(ds);
        var revisions = TemplateRevisions.Owned(owner, _revisions.Lister);
        var (hash, revisionError) = await TemplateRevisions.EnsureCurrentAsync(_context.Api, owner, revisions, ct);
        if (hash is null)
        {
            return SyncResult.Failed(revisionError ?? "revision");
        }
        var pods = _pods.Lister.List(ns).Where(p => OwnerRefs.ControllerOf(p.Metadata)?.Uid == ds.Metadata.Uid).ToList();
        var now = Time.GetUtcNow();
        var plan = DaemonPlanner.Plan(ds, _nodes.Lister.List(), pods, hash, now);

        if (plan.CreateOn.Count + plan.Delete.Count > 0)
        {
            DaemonSetLog.Changing(Logger, key, hash, plan.CreateOn.Count, plan.Delete.Count);
        }
        foreach (var pod in plan.FailedPods)
        {
            _context.EventsFrom("daemonset-controller").Record(ds, "Warning", "FailedDaemonPod",
                $"Found failed daemon pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} on node {NodeEligibility.TargetNode(pod)}, will try to kill it");
        }
        foreach (var pod in plan.Delete.DistinctBy(p => p.Metadata.Uid))
        {
            var deleted = await _context.Api.DeleteAsync<V1Pod>(ns, pod.Metadata.Name, preconditionUid: pod.Metadata.Uid, ct: ct);
            if (!deleted.Ok && !deleted.IsNotFound)
            {
                return SyncResult.Failed($"delete pod {pod.Metadata.Name}: {deleted}");
            }
            _pending.Deleted(key, pod.Metadata.Name);
            _context.EventsFrom("daemonset-controller").Record(ds, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
        }
        foreach (var node in plan.CreateOn)
        {
            var created = await _context.Api.CreateAsync(NewPod(ds, node, hash), ct);
            if (!created.Ok)
            {
                _context.EventsFrom("daemonset-controller").Record(ds, "Warning", "FailedCreate", $"Error creating: {created.Error?.Message}");
                return SyncResult.Failed($"create pod on {node}: {created}");
            }
            _pending.Created(key, created.Value!.Metadata.Name);
            _context.EventsFrom("daemonset-controller").Record(ds, "Normal", "SuccessfulCreate", $"Created pod: {created.Value.Metadata.Name}");
        }

        await TemplateRevisions.CleanUpAsync(_context.Api, owner, revisions, hash, pods, ct);
        if (await StatusWrites.WriteIfChangedAsync(_context.Api, ds, plan.Status, d => d.Status, (d, s) => d.Status = s, ct) is { } failed)
        {
            return SyncResult.Failed(failed);
        }
        return plan.Requeue is { } after ? SyncResult.After(after) : SyncResult.Done;
    }

    private static V1Pod NewPod(V1DaemonSet ds, string node, string hash)
    {
        var template = ds.Spec.Template;
        var spec = ObjectCopy.Clone(template.Spec);
        spec.Tolerations = NodeEligibility.WithDefaults(spec.Tolerations, spec.HostNetwork == true);
        NodeEligibility.PinToNode(spec, node);
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [TemplateRevisions.HashLabel] = hash,
            [TemplateRevisions.TemplateGenerationLabel] = (ds.Metadata.Generation ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                GenerateName = ds.Metadata.Name + "-",
                NamespaceProperty = ds.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : null,
                OwnerReferences = [OwnerRefs.NewControllerRef(ds, "apps/v1", "DaemonSet")],
            },
            Spec = spec,
        };
    }
}
