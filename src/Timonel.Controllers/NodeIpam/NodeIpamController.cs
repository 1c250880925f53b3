using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.NodeIpam;

/// <summary>
/// Gives every node a pod CIDR block of the cluster CIDR (spec.podCIDR and spec.podCIDRs) and takes
/// it back when the node is deleted. The used blocks live only in memory: on start, before any
/// sync, they are rebuilt from the nodes that already have one, so a restart never hands a block out
/// twice. Invariant: <see cref="_byNode"/> holds every block this process marked used, by node name.
/// </summary>
public sealed class NodeIpamController : Controller, IRunnableController
{
    private readonly ControllerContext _context;
    private readonly IInformer<V1Node> _nodes;
    private readonly CidrSet _cidrs;
    private readonly ConcurrentDictionary<string, string> _byNode = new();

    public NodeIpamController(ControllerContext context)
        : base("nodeipam", context.Time, context.Loggers.CreateLogger("timonel.controllers.nodeipam"))
    {
        _context = context;
        var (set, error) = CidrSet.Create(context.Options.ClusterCidr, context.Options.NodeCidrMaskSize);
        _cidrs = set ?? throw new InvalidOperationException($"node IPAM: {error}");
        _nodes = context.Informers.GetInformer<V1Node>();
        _nodes.AddEventHandler(ResourceEventHandler<V1Node>.ForAll(Enqueue));
    }

    public Task RunAsync(CancellationToken ct) => RunAsync(_context.Options.Workers, [RebuildUsedAsync], ct);

    private async Task RebuildUsedAsync(CancellationToken ct)
    {
        await _nodes.WaitForCacheSyncAsync(ct).ConfigureAwait(false);
        foreach (var node in _nodes.Lister.List())
        {
            if (node.Spec?.PodCIDR is { Length: > 0 } cidr && _cidrs.Occupy(cidr))
            {
                _byNode[node.Metadata.Name] = cidr;
            }
        }
    }

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var node = _nodes.Lister.Get(null, key);
        if (node is null)
        {
            if (_byNode.TryRemove(key, out var released))
            {
                _cidrs.Release(released);
                NodeIpamLog.Released(Logger, released, key);
            }
            return SyncResult.Done;
        }
        if (node.Spec?.PodCIDR is { Length: > 0 } existing)
        {
            if (_byNode.TryGetValue(key, out var mine) && mine != existing)
            {
                _cidrs.Release(mine);
            }
            if (_cidrs.Occupy(existing))
            {
                _byNode[key] = existing;
            }
            return SyncResult.Done;
        }
        // A block allocated earlier whose write the cache has not shown yet is reused, not leaked.
        var cidr = _byNode.TryGetValue(key, out var pending) ? pending : _cidrs.Allocate();
        if (cidr is null)
        {
            _context.EventsFrom("cidrAllocator").Warning(node, "CIDRNotAvailable", $"Node {key} status is now: CIDRNotAvailable");
            return SyncResult.Failed($"no free /{_context.Options.NodeCidrMaskSize} left in {_context.Options.ClusterCidr}");
        }
        _byNode[key] = cidr;
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["uid"] = node.Metadata.Uid },
            ["spec"] = new JsonObject { ["podCIDR"] = cidr, ["podCIDRs"] = new JsonArray(cidr) },
        };
        var result = await _context.Api.PatchAsync<V1Node>(null, key, PatchType.Merge, patch.ToJsonString(), ct: ct).ConfigureAwait(false);
        if (result.Ok)
        {
            NodeIpamLog.Assigned(Logger, cidr, key);
            return SyncResult.Done;
        }
        if (result.IsNotFound || result.IsConflict)
        {
            // Gone or replaced by a namesake: its delete event releases the block (or the new node reuses it).
            return SyncResult.Done;
        }
        _context.EventsFrom("cidrAllocator").Warning(node, "CIDRAssignmentFailed", $"Node {key} status is now: CIDRAssignmentFailed");
        return SyncResult.Failed($"assigning {cidr} to {key}: {result}");
    }
}

internal static partial class NodeIpamLog
{
    [LoggerMessage(EventId = 5320, Level = LogLevel.Information, Message = "node IPAM: {Cidr} assigned to node {Node}")]
    public static partial void Assigned(ILogger logger, string cidr, string node);

    [LoggerMessage(EventId = 5321, Level = LogLevel.Information, Message = "node IPAM: {Cidr} released by deleted node {Node}")]
    public static partial void Released(ILogger logger, string cidr, string node);
}
