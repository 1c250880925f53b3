using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Selectors;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.Endpoints;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.EndpointSlices;

/// <summary>
/// Keeps discovery.k8s.io/v1 EndpointSlices (IPv4) for every Service with a selector: labelled
/// with the service name and this controller as manager, owned by the service, at most 100
/// endpoints each, changed in place rather than recreated (see <see cref="SlicePlanner"/>).
/// </summary>
public sealed class EndpointSliceController : Controller, IRunnableController
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedByValue = "endpointslice-controller.k8s.io";

    private readonly ControllerContext _context;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1EndpointSlice> _slices;
    private readonly SliceTracker _tracker = new();

    public EndpointSliceController(ControllerContext context)
        : base("endpointslice-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.endpointslice"))
    {
        _context = context;
        _services = context.Informers.GetInformer<V1Service>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _slices = context.Informers.GetInformer<V1EndpointSlice>();
        _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAll(Enqueue));
        _pods.AddEventHandler(ServicePods.EnqueueServicesOf(_services.Lister, Queue.Add));
        _slices.AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAll(slice =>
        {
            if (IsOurs(slice) && slice.Metadata.Labels.TryGetValue(ServiceNameLabel, out var service))
            {
                Queue.Add(slice.Metadata.NamespaceProperty + "/" + service);
            }
        }));
    }

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_services.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync, _slices.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        if (!_tracker.CacheIsCurrent(key, ns, _slices.Lister))
        {
            // The slice events that make the cache current enqueue the key again; the delay is a safety net.
            return SyncResult.After(TimeSpan.FromSeconds(1));
        }
        var service = _services.Lister.Get(ns, name);
        var selector = LabelSelector.FromModel(new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { [ServiceNameLabel] = name, [ManagedByLabel] = ManagedByValue },
        });
        var existing = _slices.Lister.List(ns, selector);
        if (service is null || ServicePods.SelectorOf(service) is null)
        {
            // Slices of a deleted service are removed (their owner reference would also let the
            // garbage collector do it); a service without selector has user-managed endpoints.
            foreach (var slice in existing)
            {
                var deleted = await _context.Api.DeleteAsync<V1EndpointSlice>(ns, slice.Metadata.Name, preconditionUid: slice.Metadata.Uid, ct: ct);
                if (!deleted.Ok && !deleted.IsNotFound && !deleted.IsConflict)
                {
                    return SyncResult.Failed($"delete slice {slice.Metadata.Name}: {deleted}");
                }
            }
            _tracker.Forget(key);
            return SyncResult.Done;
        }
        if (service.Metadata.DeletionTimestamp is not null)
        {
            return SyncResult.Done;
        }

        var desired = DesiredEndpoints.Compute(service, ServicePods.PodsOf(service, _pods.Lister));
        var owned = existing.Where(s => OwnerRefs.ControllerOf(s.Metadata)?.Uid == service.Metadata.Uid).Select(ObjectCopy.Clone).ToList();
        var labels = LabelsFor(service);
        var plan = SlicePlanner.Plan(desired, owned, ports => NewSlice(service, ports, labels));
        // Slices whose labels drifted (e.g. the service's labels changed) are rewritten too.
        foreach (var slice in owned.Where(s => !plan.ToUpdate.Contains(s) && !plan.ToDelete.Contains(s) && !SameLabels(s.Metadata.Labels, labels)))
        {
            plan.ToUpdate.Add(slice);
        }

        foreach (var slice in plan.ToCreate)
        {
            var created = await _context.Api.CreateAsync(slice, ct);
            if (!created.Ok)
            {
                return SyncResult.Failed($"create slice: {created}");
            }
            _tracker.Wrote(key, created.Value!.Metadata.Name, created.Value.Metadata.ResourceVersion);
        }
        foreach (var slice in plan.ToUpdate)
        {
            slice.Metadata.Labels = labels;
            var updated = await _context.Api.UpdateAsync(slice, ct);
            if (!updated.Ok)
            {
                return SyncResult.Failed($"update slice {slice.Metadata.Name}: {updated}");
            }
            _tracker.Wrote(key, slice.Metadata.Name, updated.Value!.Metadata.ResourceVersion);
        }
        foreach (var slice in plan.ToDelete)
        {
            var deleted = await _context.Api.DeleteAsync<V1EndpointSlice>(ns, slice.Metadata.Name, preconditionUid: slice.Metadata.Uid, ct: ct);
            if (!deleted.Ok && !deleted.IsNotFound)
            {
                return SyncResult.Failed($"delete slice {slice.Metadata.Name}: {deleted}");
            }
            _tracker.Wrote(key, slice.Metadata.Name, null);
        }
        return SyncResult.Done;
    }

    private static bool IsOurs(V1EndpointSlice slice) =>
        slice.Metadata.Labels is { } labels && labels.TryGetValue(ManagedByLabel, out var by) && by == ManagedByValue;

    private static Dictionary<string, string> LabelsFor(V1Service service)
    {
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [ServiceNameLabel] = service.Metadata.Name,
            [ManagedByLabel] = ManagedByValue,
        };
        if (ServicePods.IsHeadless(service))
        {
            labels[ServicePods.HeadlessLabel] = "";
        }
        else
        {
            labels.Remove(ServicePods.HeadlessLabel);
        }
        return labels;
    }

    private static V1EndpointSlice NewSlice(V1Service service, List<Discoveryv1EndpointPort> ports, Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta
        {
            GenerateName = service.Metadata.Name + "-",
            NamespaceProperty = service.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            OwnerReferences = [OwnerRefs.NewControllerRef(service, "v1", "Service")],
        },
        AddressType = "IPv4",
        Endpoints = [],
        Ports = ports,
    };

    private static bool SameLabels(IDictionary<string, string>? a, Dictionary<string, string> b) =>
        (a?.Count ?? 0) == b.Count && b.All(kv => a!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
