using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.NodeLifecycle;

/// <summary>Settings of node lifecycle beyond the manager's options.</summary>
public sealed record NodeLifecycleSettings
{
    /// <summary>Nodes per second that may get a NoExecute taint (upstream's evictionLimiterQPS, 0.1); burst 1.</summary>
    public double EvictionLimiterQps { get; init; } = 0.1;

    /// <summary>How long a node that never posted a Ready condition has before it is Unknown (upstream's nodeStartupGracePeriod).</summary>
    public TimeSpan NodeStartupGracePeriod { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Watches node heartbeats (the node's Lease in kube-node-lease, and its Ready condition's
/// lastHeartbeatTime). A node not heard from for NodeMonitorGracePeriod, measured on this
/// process's clock since a heartbeat was last seen to change, gets its conditions set to Unknown.
/// Then its taints follow its Ready condition: Unknown → node.kubernetes.io/unreachable,
/// False → node.kubernetes.io/not-ready, each with NoSchedule at once and NoExecute through a
/// shared rate limiter (a partition should not evict a whole cluster at once); True → neither.
/// Pods are evicted by <see cref="TaintEvictionController"/>, not here. Keys are node names; each
/// sync schedules the next look at the node's deadline.
/// </summary>
public sealed partial class NodeLifecycleController : Controller, IRunnableController
{
    public const string LeaseNamespace = "kube-node-lease";

    /// <summary>When a heartbeat of a node was last seen to change, and which heartbeat that was.</summary>
    private sealed record Health(DateTimeOffset ProbeTime, DateTime? LeaseRenew, DateTime? ReadyHeartbeat);

    private readonly ControllerContext _context;
    private readonly IInformer<V1Node> _nodes;
    private readonly IInformer<V1Lease> _leases;
    private readonly IInformer<V1Pod> _pods;
    private readonly TokenBucket _noExecuteLimiter;
    private readonly NodeLifecycleSettings _settings;
    private readonly ConcurrentDictionary<string, Health> _health = new();

    public NodeLifecycleController(ControllerContext context) : this(context, new NodeLifecycleSettings())
    {
    }

    public NodeLifecycleController(ControllerContext context, NodeLifecycleSettings settings)
        : base("nodelifecycle", context.Time, context.Loggers.CreateLogger("timonel.controllers.nodelifecycle"))
    {
        _context = context;
        _settings = settings;
        _noExecuteLimiter = new TokenBucket(settings.EvictionLimiterQps, 1, context.Time);
        _nodes = context.Informers.GetInformer<V1Node>();
        _leases = context.Informers.GetInformer<V1Lease>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _pods.AddIndex(PodsByNode, p => string.IsNullOrEmpty(p.Spec?.NodeName) ? [] : [p.Spec.NodeName]);
        _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = Enqueue,
            Updated = (_, n) => Enqueue(n),
            Deleted = (n, _) => _health.TryRemove(n.Metadata.Name, out var _),
        });
        _leases.AddEventHandler(ResourceEventHandler<V1Lease>.ForAll(lease =>
        {
            if (lease.Metadata.NamespaceProperty == LeaseNamespace)
            {
                Queue.Add(lease.Metadata.Name);
            }
        }));
    }

    private TimeSpan Grace => _context.Options.NodeMonitorGracePeriod;

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_nodes.WaitForCacheSyncAsync, _leases.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        if (_nodes.Lister.Get(null, key) is not { } node)
        {
            return SyncResult.Done;
        }
        var now = Time.GetUtcNow();
        var health = Observe(node, now);
        var ready = ReadyOf(node);
        // A node that never reported is given the longer startup period, as upstream does.
        var deadline = health.ProbeTime + (ready is null ? Max(Grace, _settings.NodeStartupGracePeriod) : Grace);
        if (now >= deadline && ready?.Status != "Unknown")
        {
            // The status write changes the node, whose update event brings it back here for the taints.
            return await MarkUnknownAsync(node, ready, now, ct).ConfigureAwait(false);
        }
        if (ready?.Status == "Unknown" && await MarkPodsNotReadyAsync(key, now, ct).ConfigureAwait(false) is { Succeeded: false } marking)
        {
            return marking;
        }
        var tainted = await ReconcileTaintsAsync(node, ready?.Status, now, ct).ConfigureAwait(false);
        if (!tainted.Succeeded || tainted.RequeueAfter is not null)
        {
            return tainted;
        }
        // Look again when the grace period would run out (a newer heartbeat moves that later).
        return now < deadline ? SyncResult.After(deadline - now + TimeSpan.FromMilliseconds(100)) : SyncResult.Done;
    }

    /// <summary>Records a changed heartbeat (Lease renewal or Ready condition heartbeat) as seen now.</summary>
    private Health Observe(V1Node node, DateTimeOffset now)
    {
        var name = node.Metadata.Name;
        var renew = _leases.Lister.Get(LeaseNamespace, name)?.Spec?.RenewTime;
        var heartbeat = ReadyOf(node)?.LastHeartbeatTime;
        var current = _health.GetValueOrDefault(name);
        if (current is null || current.LeaseRenew != renew || current.ReadyHeartbeat != heartbeat)
        {
            current = new Health(now, renew, heartbeat);
            _health[name] = current;
        }
        return current;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static V1NodeCondition? ReadyOf(V1Node node) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

}

internal static partial class NodeLifecycleLog
{
    [LoggerMessage(EventId = 5330, Level = LogLevel.Warning, Message = "node {Node}: no heartbeat for {Grace}; conditions set to Unknown")]
    public static partial void Unknown(ILogger logger, string node, TimeSpan grace);

    [LoggerMessage(EventId = 5331, Level = LogLevel.Information, Message = "node {Node}: taints now {Taints}")]
    public static partial void Tainted(ILogger logger, string node, string taints);

    [LoggerMessage(EventId = 5332, Level = LogLevel.Information, Message = "pod {Namespace}/{Pod}: Ready=False, its node {Node} is Unknown")]
    public static partial void PodNotReady(ILogger logger, string @namespace, string pod, string node);
}
