using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>
/// Upstream's taint eviction: a pod on a node with NoExecute taints is deleted at once if one taint
/// is not tolerated, else when the shortest tolerationSeconds of the tolerations in use has passed
/// since it was first seen under those taints (never, if they tolerate forever). A node that loses
/// its taints before then keeps the pod. Keys are pod keys; a node's taint change enqueues its pods.
/// </summary>
public sealed class TaintEvictionController : Controller, IRunnableController
{
    private const string ByNode = "spec.nodeName";

    private readonly ControllerContext _context;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Node> _nodes;
    /// <summary>When a pod (by uid) was first seen on a NoExecute-tainted node; cleared when it is not.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _taintedSince = new();

    public TaintEvictionController(ControllerContext context)
        : base("taint-eviction", context.Time, context.Loggers.CreateLogger("timonel.controllers.taint-eviction"))
    {
        _context = context;
        _pods = context.Informers.GetInformer<V1Pod>();
        _nodes = context.Informers.GetInformer<V1Node>();
        _pods.AddIndex(ByNode, p => string.IsNullOrEmpty(p.Spec?.NodeName) ? [] : [p.Spec.NodeName]);
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = Enqueue,
            Updated = (_, p) => Enqueue(p),
            Deleted = (p, _) => _taintedSince.TryRemove(p.Metadata.Uid ?? "", out var _),
        });
        _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = EnqueuePodsOf,
            Updated = (o, n) =>
            {
                if (NoExecuteSignature(o) != NoExecuteSignature(n))
                {
                    EnqueuePodsOf(n);
                }
            },
        });
    }

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_pods.WaitForCacheSyncAsync, _nodes.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = Client.Api.ResourceTable.SplitKey(key);
        var pod = _pods.Lister.Get(ns, name);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return SyncResult.Done;
        }
        var taints = _nodes.Lister.Get(null, pod.Spec.NodeName)?.Spec?.Taints?.Where(t => t.Effect == Taints.NoExecute).ToList() ?? [];
        if (taints.Count == 0)
        {
            _taintedSince.TryRemove(pod.Metadata.Uid, out _);
            return SyncResult.Done;
        }
        var now = Time.GetUtcNow();
        var tolerations = (IReadOnlyList<V1Toleration>?)pod.Spec.Tolerations ?? [];
        TimeSpan? allowed = TimeSpan.MaxValue;
        foreach (var taint in taints)
        {
            var used = tolerations.Where(t => Taints.Tolerates(t, taint)).ToList();
            if (used.Count == 0)
            {
                allowed = null;
                break;
            }
            foreach (var seconds in used.Select(t => t.TolerationSeconds).OfType<long>())
            {
                var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
                if (span < allowed)
                {
                    allowed = span;
                }
            }
        }
        if (allowed == TimeSpan.MaxValue)
        {
            return SyncResult.Done;
        }
        var since = _taintedSince.GetOrAdd(pod.Metadata.Uid, now);
        var due = since + (allowed ?? TimeSpan.Zero);
        if (now < due)
        {
            return SyncResult.After(due - now);
        }
        var deleted = await _context.Api.DeleteAsync<V1Pod>(ns, name, preconditionUid: pod.Metadata.Uid, ct: ct).ConfigureAwait(false);
        if (!deleted.Ok && !deleted.IsNotFound && !deleted.IsConflict)
        {
            return SyncResult.Failed($"evicting {key}: {deleted}");
        }
        TaintEvictionLog.Evicted(Logger, key, pod.Spec.NodeName);
        _context.EventsFrom("taint-eviction-controller").Normal(pod, "TaintManagerEviction", $"Marking for deletion Pod {key}");
        return SyncResult.Done;
    }

    private void EnqueuePodsOf(V1Node node)
    {
        foreach (var pod in _pods.Lister.ByIndex(ByNode, node.Metadata.Name))
        {
            Enqueue(pod);
        }
    }

    private static string NoExecuteSignature(V1Node node) =>
        string.Join(",", (node.Spec?.Taints ?? []).Where(t => t.Effect == Taints.NoExecute).Select(t => t.Key + "=" + t.Value).Order(StringComparer.Ordinal));
}

internal static partial class TaintEvictionLog
{
    [LoggerMessage(EventId = 5340, Level = LogLevel.Information, Message = "taint eviction: deleting pod {Pod} from tainted node {Node}")]
    public static partial void Evicted(ILogger logger, string pod, string node);
}
