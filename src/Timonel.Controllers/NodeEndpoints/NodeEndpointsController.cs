using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.NodeEndpoints;

/// <summary>
/// Keeps the readiness of the EndpointSlices agents publish for their own node (managed-by
/// <see cref="ManagedByValue"/>, e.g. `kube-system/kube-dns-NODE`) in step with their Nodes: a
/// node that died stops being used as soon as the node lifecycle controller marks it not Ready,
/// and is used again when it comes back. Keys are slices (`namespace/name`); a Node event
/// enqueues the slices with an endpoint on it. The agent writes addresses and ports, this
/// controller only the conditions.
/// </summary>
public sealed class NodeEndpointsController : Controller, IRunnableController
{
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedByValue = "agent.timonel.io";
    private const string ByNodeIndex = "node-endpoints-by-node";

    private readonly ControllerContext _context;
    private readonly IInformer<V1Node> _nodes;
    private readonly IInformer<V1EndpointSlice> _slices;

    public NodeEndpointsController(ControllerContext context)
        : base("node-endpoints-controller", context.Time, context.Loggers.CreateLogger("timonel.controllers.nodeendpoints"))
    {
        _context = context;
        _nodes = context.Informers.GetInformer<V1Node>();
        _slices = context.Informers.GetInformer<V1EndpointSlice>();
        _slices.AddIndex(ByNodeIndex, slice => IsNodeManaged(slice)
            ? (slice.Endpoints ?? []).Select(e => e.NodeName).OfType<string>().Distinct(StringComparer.Ordinal)
            : []);
        _slices.AddEventHandler(new ResourceEventHandler<V1EndpointSlice>
        {
            Added = slice => EnqueueIfOurs(slice),
            Updated = (_, slice) => EnqueueIfOurs(slice),
        });
        _nodes.AddEventHandler(ResourceEventHandler<V1Node>.ForAll(node =>
        {
            foreach (var slice in _slices.Lister.ByIndex(ByNodeIndex, node.Metadata.Name))
            {
                Enqueue(slice);
            }
        }));
    }

    public static bool IsNodeManaged(V1EndpointSlice slice) =>
        slice.Metadata.Labels?.TryGetValue(ManagedByLabel, out var manager) == true && manager == ManagedByValue;

    Task IRunnableController.RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_nodes.WaitForCacheSyncAsync, _slices.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var slice = _slices.Lister.Get(ns, name);
        if (slice is null || !IsNodeManaged(slice))
        {
            return SyncResult.Done;
        }
        var update = NodeEndpointConditions.Updated(slice, node => NodeEndpointConditions.NodeIsReady(_nodes.Lister.Get(null, node)));
        if (update is null)
        {
            return SyncResult.Done;
        }
        var written = await _context.Api.UpdateAsync(update, ct).ConfigureAwait(false);
        // NotFound: the slice went with its node; Conflict: the agent rewrote it, whose event brings the key back.
        return written.Ok || written.IsNotFound || written.IsConflict
            ? SyncResult.Done
            : SyncResult.Failed($"updating {key}: {written}");
    }

    private void EnqueueIfOurs(V1EndpointSlice slice)
    {
        if (IsNodeManaged(slice))
        {
            Enqueue(slice);
        }
    }
}
