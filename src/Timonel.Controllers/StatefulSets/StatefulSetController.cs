using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Events;
using Timonel.Client.Informers;
using Timonel.Controllers.Jobs;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.StatefulSets;

/// <summary>
/// Runs the pods of each apps/v1 StatefulSet under stable names, in order (<see cref="StatefulPlanner"/>):
/// each pod gets its hostname and the set's service as subdomain, and a claim of its own from each
/// volumeClaimTemplate ("&lt;template&gt;-&lt;pod&gt;", kept when the pod or the set goes, as upstream's
/// default retention). The template history is kept as ControllerRevisions
/// (<see cref="TemplateRevisions"/>), so `kubectl rollout history|undo|status` work.
/// </summary>
public sealed class StatefulSetController : Controller, IRunnableController
{
    private readonly ControllerContext _context;
    private readonly IInformer<V1StatefulSet> _sets;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1ControllerRevision> _revisions;
    private readonly PendingPodWrites _pending;

    public StatefulSetController(ControllerContext context)
        : base("statefulset-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.statefulset"))
    {
        _context = context;
        _sets = context.Informers.GetInformer<V1StatefulSet>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _revisions = context.Informers.GetInformer<V1ControllerRevision>();
        _pending = new PendingPodWrites(context.Time);
        _sets.AddEventHandler(ResourceEventHandler<V1StatefulSet>.ForAll(Enqueue));
        _pods.AddEventHandler(ResourceEventHandler<V1Pod>.ForAll(pod =>
        {
            if (OwnerRefs.ControllerKey(pod.Metadata, "StatefulSet") is { } key)
            {
                Queue.Add(key);
            }
        }));
    }

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_sets.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync, _revisions.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var sts = _sets.Lister.Get(ns, name);
        if (sts is null)
        {
            _pending.Forget(key);
            return SyncResult.Done;
        }
        if (sts.Metadata.DeletionTimestamp is not null)
        {
            return SyncResult.Done;
        }
        if (!_pending.Satisfied(key, ns, _pods.Lister))
        {
            return SyncResult.After(TimeSpan.FromSeconds(1)); // the pod events bring the key back sooner
        }
        var owner = RevisionOwner.Of(sts);
        var revisions = TemplateRevisions.Owned(owner, _revisions.Lister);
        var (hash, revisionError) = await TemplateRevisions.EnsureCurrentAsync(_context.Api, owner, revisions, ct);
        if (hash is null)
        {
            return SyncResult.Failed(revisionError ?? "revision");
        }
        var updateRevision = $"{sts.Metadata.Name}-{hash}";
        var pods = _pods.Lister.List(ns).Where(p => OwnerRefs.ControllerOf(p.Metadata)?.Uid == sts.Metadata.Uid).ToList();
        var plan = StatefulPlanner.Plan(sts, pods, updateRevision, Time.GetUtcNow());
        var events = _context.EventsFrom("statefulset-controller");

        foreach (var pod in plan.Delete)
        {
            var deleted = await _context.Api.DeleteAsync<V1Pod>(ns, pod.Metadata.Name, preconditionUid: pod.Metadata.Uid, ct: ct);
            if (!deleted.Ok && !deleted.IsNotFound)
            {
                return SyncResult.Failed($"delete pod {pod.Metadata.Name}: {deleted}");
            }
            _pending.Deleted(key, pod.Metadata.Name);
            events.Record(sts, "Normal", "SuccessfulDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {name} successful");
        }
        foreach (var ordinal in plan.Create)
        {
            var (template, revision) = RevisionFor(sts, ordinal, revisions, updateRevision);
            var pod = NewPod(sts, template, ordinal, revision);
            var claimError = await EnsureClaimsAsync(sts, pod, events, ct);
            if (claimError is not null)
            {
                return SyncResult.Failed(claimError);
            }
            var created = await _context.Api.CreateAsync(pod, ct);
            if (!created.Ok && !created.IsAlreadyExists)
            {
                events.Record(sts, "Warning", "FailedCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {name} failed error: {created.Error?.Message}");
                return SyncResult.Failed($"create pod {pod.Metadata.Name}: {created}");
            }
            _pending.Created(key, pod.Metadata.Name);
            events.Record(sts, "Normal", "SuccessfulCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {name} successful");
        }

        await TemplateRevisions.CleanUpAsync(_context.Api, owner, revisions, hash, pods, ct);
        if (await StatusWrites.WriteIfChangedAsync(_context.Api, sts, plan.Status, s => s.Status, (s, status) => s.Status = status, ct) is { } failed)
        {
            return SyncResult.Failed(failed);
        }
        // minReadySeconds: look again when the ready pods may have become available.
        return sts.Spec.MinReadySeconds is > 0 && plan.Status.AvailableReplicas < plan.Status.ReadyReplicas
            ? SyncResult.After(TimeSpan.FromSeconds(1))
            : SyncResult.Done;
    }

    /// <summary>Creates the pod's claims that do not exist yet; an existing claim is reused, as upstream.</summary>
    private async Task<string?> EnsureClaimsAsync(V1StatefulSet sts, V1Pod pod, EventRecorder events, CancellationToken ct)
    {
        foreach (var template in sts.Spec.VolumeClaimTemplates ?? [])
        {
            var claimName = $"{template.Metadata.Name}-{pod.Metadata.Name}";
            var labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var (k, v) in sts.Spec.Selector.MatchLabels ?? new Dictionary<string, string>())
            {
                labels[k] = v;
            }
            var created = await _context.Api.CreateAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta
                {
                    Name = claimName,
                    NamespaceProperty = sts.Metadata.NamespaceProperty,
                    Labels = labels,
                    Annotations = template.Metadata.Annotations,
                },
                Spec = ObjectCopy.Clone(template.Spec),
            }, ct);
            if (!created.Ok && !created.IsAlreadyExists)
            {
                events.Record(sts, "Warning", "FailedCreate", $"create Claim {claimName} for Pod {pod.Metadata.Name} in StatefulSet {sts.Metadata.Name} failed error: {created.Error?.Message}");
                return $"create claim {claimName}: {created}";
            }
            if (created.Ok)
            {
                events.Record(sts, "Normal", "SuccessfulCreate", $"create Claim {claimName} Pod {pod.Metadata.Name} in StatefulSet {sts.Metadata.Name} success");
            }
        }
        return null;
    }

    /// <summary>
    /// The template and revision a new pod at <paramref name="ordinal"/> gets, as upstream: below the
    /// RollingUpdate partition (without one: below the current replicas) the current revision's, so a
    /// deleted pod the rollout has not reached comes back as it was; else the update revision's.
    /// </summary>
    private static (V1PodTemplateSpec Template, string Revision) RevisionFor(V1StatefulSet sts, int ordinal,
        IReadOnlyList<V1ControllerRevision> revisions, string updateRevision)
    {
        var strategy = sts.Spec.UpdateStrategy;
        var current = sts.Status?.CurrentRevision;
        if (strategy?.Type is "OnDelete" || string.IsNullOrEmpty(current) || current == updateRevision)
        {
            return (sts.Spec.Template, updateRevision);
        }
        var below = (sts.Spec.Ordinals?.Start ?? 0) + (strategy?.RollingUpdate?.Partition ?? sts.Status?.CurrentReplicas ?? 0);
        if (ordinal >= below)
        {
            return (sts.Spec.Template, updateRevision);
        }
        var recorded = revisions.FirstOrDefault(r => r.Metadata.Name == current);
        var template = recorded is null ? null : TemplateRevisions.TemplateOf(recorded);
        return template is null ? (sts.Spec.Template, updateRevision) : (template, current);
    }

    private static V1Pod NewPod(V1StatefulSet sts, V1PodTemplateSpec template, int ordinal, string revision)
    {
        var name = $"{sts.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var spec = ObjectCopy.Clone(template.Spec);
        spec.Hostname = name;
        spec.Subdomain = sts.Spec.ServiceName;
        var volumes = (spec.Volumes ?? []).ToList();
        foreach (var claim in sts.Spec.VolumeClaimTemplates ?? [])
        {
            volumes.RemoveAll(v => v.Name == claim.Metadata.Name);
            volumes.Add(new V1Volume
            {
                Name = claim.Metadata.Name,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = $"{claim.Metadata.Name}-{name}" },
            });
        }
        spec.Volumes = volumes.Count > 0 ? volumes : null;
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [TemplateRevisions.HashLabel] = revision,
            [StatefulPlanner.PodNameLabel] = name,
            [StatefulPlanner.PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture),
        };
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = sts.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : null,
                OwnerReferences = [OwnerRefs.NewControllerRef(sts, "apps/v1", "StatefulSet")],
            },
            Spec = spec,
        };
    }
}
