using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.LoadBalancer;

/// <summary>
/// The built-in load balancer, as MetalLB's controller in L2 mode: every Service of type
/// LoadBalancer without a loadBalancerClass (or with <see cref="OwnClass"/>) gets one address of the
/// pool in status.loadBalancer.ingress; the node agents announce it (ARP). spec.loadBalancerIP is
/// honoured when it is in the pool and free. The address is released when the Service is deleted,
/// changes type or gets another class. Allocations live in memory and are rebuilt from the Services'
/// statuses before the first sync, so an address stays with its Service across restarts.
/// Without a pool, LoadBalancer Services stay pending with a warning event.
/// </summary>
public sealed class ServiceLoadBalancerController : Controller, IRunnableController
{
    /// <summary>The loadBalancerClass this controller answers to besides none.</summary>
    public const string OwnClass = "timonel.io/service-lb";

    /// <summary>The event source `kubectl describe service` shows.</summary>
    public const string EventSource = "service-lb-controller";

    private readonly ControllerContext _context;
    private readonly IInformer<V1Service> _services;
    private readonly PoolAllocations? _allocations;

    public ServiceLoadBalancerController(ControllerContext context)
        : base("service-lb", context.Time, context.Loggers.CreateLogger("timonel.controllers.servicelb"))
    {
        _context = context;
        _allocations = context.Options.LoadBalancerPool is { } pool ? new PoolAllocations(pool) : null;
        _services = context.Informers.GetInformer<V1Service>();
        _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAll(Enqueue));
    }

    public Task RunAsync(CancellationToken ct) => RunAsync(_context.Options.Workers, [RebuildAsync], ct);

    private async Task RebuildAsync(CancellationToken ct)
    {
        await _services.WaitForCacheSyncAsync(ct).ConfigureAwait(false);
        if (_allocations is null)
        {
            return;
        }
        // Oldest first: if two Services claim one address (written by hand), the older keeps it.
        foreach (var service in _services.Lister.List().OrderBy(s => s.Metadata.CreationTimestamp))
        {
            if (IsOurs(service) && StatusAddress(service) is { } address)
            {
                _allocations.TryTake(ResourceTable.KeyOf(service.Metadata), address);
            }
        }
    }

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var service = _services.Lister.Get(ns, name);
        if (service is null)
        {
            Release(key, "deleted");
            return SyncResult.Done;
        }
        if (!IsOurs(service))
        {
            var released = Release(key, "no longer a LoadBalancer of this controller");
            // Upstream's service controller clears what it wrote once a Service stops being a load
            // balancer; a Service of another class keeps the status its own controller wrote.
            var stillLoadBalancer = service.Spec?.Type == "LoadBalancer";
            var shown = StatusAddress(service);
            if (!stillLoadBalancer && shown is not null && (shown == released || _allocations?.Pool.Contains(shown) == true))
            {
                return await WriteStatusAsync(service, null, ct).ConfigureAwait(false);
            }
            return SyncResult.Done;
        }
        if (_allocations is null)
        {
            if (StatusAddress(service) is null)
            {
                Events.Warning(service, "AllocationFailed",
                    "no LoadBalancer address pool is configured (start the server with --service-lb-pool A-B)");
            }
            return SyncResult.Done;
        }
        var choice = Choose(key, service);
        if (choice.Address is null)
        {
            Events.Warning(service, "AllocationFailed", $"Failed to allocate an IP for \"{key}\": {choice.Problem}");
            // A requested address that is outside the pool or taken: whatever the Service showed is not its own any more.
            return StatusAddress(service) is null ? SyncResult.Done : await WriteStatusAsync(service, null, ct).ConfigureAwait(false);
        }
        if (StatusAddress(service) == choice.Address && service.Status!.LoadBalancer!.Ingress.Count == 1
            && service.Status.LoadBalancer.Ingress[0].IpMode == "VIP")
        {
            return SyncResult.Done;
        }
        var result = await WriteStatusAsync(service, choice.Address, ct).ConfigureAwait(false);
        if (result.Succeeded)
        {
            Events.Normal(service, "IPAllocated", $"Assigned IP [\"{choice.Address}\"]");
            ServiceLbLog.Assigned(Logger, choice.Address, key);
        }
        return result;
    }

    /// <summary>The address the Service should have, or why it gets none.</summary>
    private (string? Address, string? Problem) Choose(string key, V1Service service)
    {
        var allocations = _allocations!;
        if (service.Spec.LoadBalancerIP is { Length: > 0 } requested)
        {
            var previous = allocations.AddressOf(key);
            var (taken, holder) = allocations.TryTake(key, requested);
            if (taken)
            {
                if (previous is not null && previous != requested)
                {
                    ServiceLbLog.Released(Logger, previous, key, "asked for another address");
                    WakeWaiting(key);
                }
                return (requested, null);
            }
            Release(key, "asked for another address");
            return (null, holder is null
                ? $"loadBalancerIP {requested} is not in the pool {allocations.Pool}"
                : $"loadBalancerIP {requested} is already in use by {holder}");
        }
        if (allocations.AddressOf(key) is { } held)
        {
            return (held, null);
        }
        // A status address of the pool that no one else holds is kept (e.g. the pool was widened).
        if (StatusAddress(service) is { } shown && allocations.TryTake(key, shown).Taken)
        {
            return (shown, null);
        }
        return allocations.TakeNextFree(key) is { } next
            ? (next, null)
            : (null, $"no available IPs in the pool {allocations.Pool}");
    }

    /// <summary>Frees the Service's address and wakes the Services still waiting for one.</summary>
    private string? Release(string key, string why)
    {
        if (_allocations?.Release(key) is not { } address)
        {
            return null;
        }
        ServiceLbLog.Released(Logger, address, key, why);
        WakeWaiting(key);
        return address;
    }

    /// <summary>Enqueues the Services of this controller that hold no address (an address just came free).</summary>
    private void WakeWaiting(string releasedBy)
    {
        foreach (var waiting in _services.Lister.List())
        {
            var waitingKey = ResourceTable.KeyOf(waiting.Metadata);
            if (waitingKey != releasedBy && IsOurs(waiting) && _allocations!.AddressOf(waitingKey) is null)
            {
                Queue.Add(waitingKey);
            }
        }
    }

    private async Task<SyncResult> WriteStatusAsync(V1Service service, string? address, CancellationToken ct)
    {
        var ingress = address is null ? null : new JsonArray(new JsonObject { ["ip"] = address, ["ipMode"] = "VIP" });
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["uid"] = service.Metadata.Uid },
            ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = ingress } },
        };
        var result = await _context.Api.PatchAsync<V1Service>(service.Metadata.NamespaceProperty, service.Metadata.Name,
            PatchType.Merge, patch.ToJsonString(), subresource: "status", ct: ct).ConfigureAwait(false);
        if (result.Ok || result.IsNotFound || result.IsConflict)
        {
            // Gone or replaced by a namesake: its own events bring it back here.
            return SyncResult.Done;
        }
        return SyncResult.Failed($"writing the load balancer status: {result}");
    }

    private Client.Events.EventRecorder Events => _context.EventsFrom(EventSource);

    private static bool IsOurs(V1Service service) =>
        service.Spec?.Type == "LoadBalancer" && service.Spec.LoadBalancerClass is null or "" or OwnClass;

    private static string? StatusAddress(V1Service service) =>
        service.Status?.LoadBalancer?.Ingress is { Count: > 0 } ingress ? ingress[0].Ip : null;
}

internal static partial class ServiceLbLog
{
    [LoggerMessage(EventId = 5360, Level = LogLevel.Information, Message = "service LB: {Address} assigned to {Service}")]
    public static partial void Assigned(ILogger logger, string address, string service);

    [LoggerMessage(EventId = 5361, Level = LogLevel.Information, Message = "service LB: {Address} released by {Service} ({Why})")]
    public static partial void Released(ILogger logger, string address, string service, string why);
}
