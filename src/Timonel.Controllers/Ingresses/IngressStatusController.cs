using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Networking;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Ingresses;

/// <summary>
/// Publishes where the built-in ingress answers: every agent serves every Ingress of our class on
/// its node address, so <c>status.loadBalancer.ingress</c> of such an Ingress lists the
/// InternalIPs of the Ready nodes (sorted, so the status does not flap). Ingresses of other
/// classes are left alone (their controller owns their status). Keys are Ingress
/// namespace/name; a Node or IngressClass change re-checks every Ingress, which is a no-op for
/// those already right.
/// </summary>
public sealed class IngressStatusController : Controller, IRunnableController
{
    private readonly ControllerContext _context;
    private readonly IInformer<V1Ingress> _ingresses;
    private readonly IInformer<V1IngressClass> _classes;
    private readonly IInformer<V1Node> _nodes;

    public IngressStatusController(ControllerContext context)
        : base("ingress-status", context.Time, context.Loggers.CreateLogger("timonel.controllers.ingressstatus"))
    {
        _context = context;
        _ingresses = context.Informers.GetInformer<V1Ingress>();
        _classes = context.Informers.GetInformer<V1IngressClass>();
        _nodes = context.Informers.GetInformer<V1Node>();
        _ingresses.AddEventHandler(new ResourceEventHandler<V1Ingress>
        {
            Added = Enqueue,
            Updated = (_, ingress) => Enqueue(ingress),
        });
        _classes.AddEventHandler(ResourceEventHandler<V1IngressClass>.ForAll(_ => EnqueueAll()));
        _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = _ => EnqueueAll(),
            Updated = (old, now) =>
            {
                if (!AddressOf(old).SequenceEqual(AddressOf(now)))
                {
                    EnqueueAll();
                }
            },
            Deleted = (_, _) => EnqueueAll(),
        });
    }

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_ingresses.WaitForCacheSyncAsync, _classes.WaitForCacheSyncAsync, _nodes.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var ingress = _ingresses.Lister.Get(ns, name);
        if (ingress is null || ingress.Metadata.DeletionTimestamp is not null || !IngressClasses.From(_classes.Lister.List()).Serves(ingress))
        {
            return SyncResult.Done;
        }
        var wanted = ReadyNodeAddresses();
        var current = (ingress.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip ?? "").ToList();
        if (current.SequenceEqual(wanted, StringComparer.Ordinal))
        {
            return SyncResult.Done;
        }
        var copy = ObjectCopy.Clone(ingress);
        copy.Status ??= new V1IngressStatus();
        copy.Status.LoadBalancer = new V1IngressLoadBalancerStatus
        {
            Ingress = wanted.Count == 0 ? null : [.. wanted.Select(ip => new V1IngressLoadBalancerIngress { Ip = ip })],
        };
        var written = await _context.Api.UpdateStatusAsync(copy, ct).ConfigureAwait(false);
        // NotFound: deleted meanwhile; Conflict: the cache lags, the update event brings it back.
        return written.Ok || written.IsNotFound || written.IsConflict
            ? SyncResult.Done
            : SyncResult.Failed($"writing status of {key}: {written}");
    }

    private List<string> ReadyNodeAddresses() =>
        [.. _nodes.Lister.List()
            .Where(IsReady)
            .SelectMany(AddressOf)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    private static bool IsReady(V1Node node) =>
        node.Metadata.DeletionTimestamp is null
        && node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>The node's InternalIP while it is Ready; nothing otherwise (what the status lists of it).</summary>
    private static IEnumerable<string> AddressOf(V1Node node) => IsReady(node)
        ? (node.Status?.Addresses ?? []).Where(a => a.Type == "InternalIP" && !string.IsNullOrEmpty(a.Address)).Select(a => a.Address).Take(1)
        : [];

    private void EnqueueAll()
    {
        foreach (var ingress in _ingresses.Lister.List())
        {
            Enqueue(ingress);
        }
    }
}
