using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Events;
using Timonel.Client.Informers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.ReplicaSets;

/// <summary>
/// Keeps spec.replicas pods of each ReplicaSet (upstream's replicaset controller). Handlers only
/// enqueue ReplicaSet keys and record what the informer showed of our own writes
/// (<see cref="Expectations"/>); one sync claims pods (adopt/release), creates or deletes the
/// difference when no earlier write is still unobserved, then writes the status.
/// </summary>
public sealed partial class ReplicaSetController : Controller, IRunnableController
{
    /// <summary>At most this many creations or deletions per sync, as upstream.</summary>
    public const int BurstReplicas = 500;

    private readonly ControllerContext _context;
    private readonly ApiConnection _api;
    private readonly EventRecorder _events;
    private readonly IInformer<V1ReplicaSet> _replicaSets;
    private readonly IInformer<V1Pod> _pods;
    private readonly Expectations _expectations;

    public ReplicaSetController(ControllerContext context)
        : base("replicaset", context.Time, context.Loggers.CreateLogger("timonel.controllers.replicaset"))
    {
        _context = context;
        _api = context.Api;
        _events = context.EventsFrom("replicaset-controller");
        _expectations = new Expectations(context.Time);
        _replicaSets = context.Informers.GetInformer<V1ReplicaSet>();
        _pods = context.Informers.GetInformer<V1Pod>();
        PodControllerIndex.AddTo(_pods);
        _replicaSets.AddEventHandler(new ResourceEventHandler<V1ReplicaSet>
        {
            Added = Enqueue,
            Updated = (_, rs) => Enqueue(rs),
            Deleted = (rs, _) =>
            {
                _expectations.Forget(KeyOf(rs));
                Enqueue(rs);
            },
        });
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod> { Added = PodAdded, Updated = PodUpdated, Deleted = (p, _) => PodDeleted(p) });
    }

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_replicaSets.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync], ct);

    private static string KeyOf(V1ReplicaSet rs) => rs.Metadata.NamespaceProperty + "/" + rs.Metadata.Name;

    private void PodAdded(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // Seen for the first time already terminating (e.g. after a relist): a deletion to observe.
            PodDeleted(pod);
            return;
        }
        if (OwnerOf(pod) is { } rs)
        {
            _expectations.CreationObserved(KeyOf(rs));
            Enqueue(rs);
            return;
        }
        if (OwnerRefs.ControllerOf(pod.Metadata) is null)
        {
            EnqueueMatching(pod);
        }
    }

    private void PodUpdated(V1Pod old, V1Pod pod)
    {
        if (ReferenceEquals(old, pod) || old.Metadata.ResourceVersion == pod.Metadata.ResourceVersion)
        {
            return;
        }
        var labelsChanged = !LabelsEqual(old.Metadata.Labels, pod.Metadata.Labels);
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            PodDeleted(pod);
            if (labelsChanged)
            {
                PodDeleted(old);
            }
            return;
        }
        var oldRef = OwnerRefs.ControllerOf(old.Metadata);
        var newRef = OwnerRefs.ControllerOf(pod.Metadata);
        if (oldRef is not null && oldRef.Uid != newRef?.Uid && OwnerOf(old) is { } previous)
        {
            Enqueue(previous);
        }
        if (OwnerOf(pod) is { } rs)
        {
            Enqueue(rs);
            // Available only becomes true minReadySeconds after Ready: look again then.
            if (rs.Spec.MinReadySeconds is > 0 and var min && !PodState.IsReady(old) && PodState.IsReady(pod))
            {
                Queue.AddAfter(KeyOf(rs), TimeSpan.FromSeconds(min + 1));
            }
            return;
        }
        if (newRef is null && (labelsChanged || oldRef is not null))
        {
            EnqueueMatching(pod);
        }
    }

    private void PodDeleted(V1Pod pod)
    {
        if (OwnerOf(pod) is { } rs)
        {
            _expectations.DeletionObserved(KeyOf(rs), PodState.Key(pod));
            Enqueue(rs);
        }
    }

    /// <summary>The ReplicaSet this pod's controller reference names, if it exists with that uid.</summary>
    private V1ReplicaSet? OwnerOf(V1Pod pod)
    {
        var owner = OwnerRefs.ControllerOf(pod.Metadata);
        if (owner is not { Kind: "ReplicaSet" })
        {
            return null;
        }
        var rs = _replicaSets.Lister.Get(pod.Metadata.NamespaceProperty, owner.Name);
        return rs?.Metadata.Uid == owner.Uid ? rs : null;
    }

    private void EnqueueMatching(V1Pod pod)
    {
        foreach (var rs in _replicaSets.Lister.List(pod.Metadata.NamespaceProperty))
        {
            var selector = LabelSelector.FromModel(rs.Spec.Selector);
            if (!selector.IsEmpty && selector.Matches(pod.Metadata.Labels))
            {
                Enqueue(rs);
            }
        }
    }

    // Runs on every pod event: a loop, no closure.
    private static bool LabelsEqual(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }
        if (a is null || a.Count == 0)
        {
            return true;
        }
        foreach (var (key, value) in a)
        {
            if (!b!.TryGetValue(key, out var v) || v != value)
            {
                return false;
            }
        }
        return true;
    }
}
