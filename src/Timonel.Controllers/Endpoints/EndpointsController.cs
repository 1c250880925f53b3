using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Endpoints;

/// <summary>
/// Keeps one core/v1 Endpoints per Service that has a selector, named like the service, listing the
/// selected pods' IPs as ready or not-ready addresses. Services without a selector are left alone
/// (their Endpoints belong to the user). An Endpoints this controller made is deleted with its service.
/// </summary>
public sealed class EndpointsController : Controller, IRunnableController
{
    public const string ManagedByLabel = "endpoints.kubernetes.io/managed-by";
    public const string ManagedByValue = "endpoint-controller";

    private readonly ControllerContext _context;
    private readonly IInformer<V1Service> _services;
    private readonly IInformer<V1Pod> _pods;
    private readonly IInformer<V1Endpoints> _endpoints;

    public EndpointsController(ControllerContext context)
        : base("endpoint-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.endpoints"))
    {
        _context = context;
        _services = context.Informers.GetInformer<V1Service>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _endpoints = context.Informers.GetInformer<V1Endpoints>();
        _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAll(Enqueue));
        _pods.AddEventHandler(ServicePods.EnqueueServicesOf(_services.Lister, Queue.Add));
        // An Endpoints changed or deleted by someone else is put back as the service says.
        _endpoints.AddEventHandler(new ResourceEventHandler<V1Endpoints>
        {
            Updated = (_, ep) => Enqueue(ep),
            Deleted = (ep, _) => Enqueue(ep),
        });
    }

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_services.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync, _endpoints.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var service = _services.Lister.Get(ns, name);
        var current = _endpoints.Lister.Get(ns, name);
        if (service is null)
        {
            if (current?.Metadata.Labels is { } epLabels && epLabels.TryGetValue(ManagedByLabel, out var by) && by == ManagedByValue)
            {
                var deleted = await _context.Api.DeleteAsync<V1Endpoints>(ns, name, preconditionUid: current.Metadata.Uid, ct: ct);
                return deleted.Ok || deleted.IsNotFound ? SyncResult.Done : SyncResult.Failed($"delete endpoints: {deleted}");
            }
            return SyncResult.Done;
        }
        if (ServicePods.SelectorOf(service) is null || service.Metadata.DeletionTimestamp is not null)
        {
            return SyncResult.Done;
        }

        var subsets = EndpointSubsets.Build(service, ServicePods.PodsOf(service, _pods.Lister));
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
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

        if (current is null)
        {
            var created = await _context.Api.CreateAsync(new V1Endpoints
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
                Subsets = subsets,
            }, ct);
            // AlreadyExists: the cache is behind; the add event brings the key back.
            return created.Ok || created.IsAlreadyExists ? SyncResult.Done : SyncResult.Failed($"create endpoints: {created}");
        }
        if (EndpointSubsets.SameSubsets(current.Subsets, subsets) && SameLabels(current.Metadata.Labels, labels))
        {
            return SyncResult.Done;
        }
        var update = ObjectCopy.Clone(current);
        update.Subsets = subsets;
        update.Metadata.Labels = labels;
        var updated = await _context.Api.UpdateAsync(update, ct);
        return updated.Ok ? SyncResult.Done : SyncResult.Failed($"update endpoints: {updated}");
    }

    private static bool SameLabels(IDictionary<string, string>? a, Dictionary<string, string> b) =>
        (a?.Count ?? 0) == b.Count && b.All(kv => a!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
