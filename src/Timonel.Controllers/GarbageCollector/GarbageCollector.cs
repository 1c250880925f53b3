using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Scheme;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.GarbageCollector;

/// <summary>
/// Upstream's garbage collector over every built-in resource (events excepted). Informers of every
/// type feed one <see cref="OwnerGraph"/> by uid; the work queue holds uids of objects to look at:
/// dependents whose owners may be gone or deleting in the foreground, and owners carrying the
/// `orphan` or `foregroundDeletion` finalizer. Decisions read the graph, but nothing is deleted on
/// the graph's word alone: the dependent and each owner are read again through the API by uid
/// first, since an informer may lag behind another (GarbageCollector.Sync.cs).
/// </summary>
public sealed partial class GarbageCollector : Controller, IRunnableController
{
    private readonly ApiConnection _api;
    private readonly OwnerGraph _graph = new();
    private readonly Dictionary<ResourceInfo, ResourceAccess> _access = [];
    private readonly List<Func<CancellationToken, Task>> _syncs = [];
    private readonly int _workers;

    public GarbageCollector(ControllerContext context)
        : base("garbage-collector", context.Time, context.Loggers.CreateLogger("timonel.controllers.garbage-collector"))
    {
        _api = context.Api;
        _workers = context.Options.Workers;
        foreach (var access in ResourceAccess.ForAllBuiltin(context.Api).Where(a => !a.IsEvent))
        {
            _access[access.Resource] = access;
            var resource = access.Resource;
            access.Watch(context.Informers, new ResourceEventHandler<V1ObjectMeta>
            {
                Added = m => Observe(resource, null, m),
                Updated = (o, n) => Observe(resource, o, n),
                Deleted = (m, _) => Forget(m),
            }, out var wait);
            _syncs.Add(wait);
        }
    }

    public Task RunAsync(CancellationToken ct) => RunAsync(_workers, _syncs, ct);

    internal OwnerGraph Graph => _graph;

    private void Observe(ResourceInfo resource, V1ObjectMeta? oldMeta, V1ObjectMeta meta)
    {
        if (string.IsNullOrEmpty(meta.Uid))
        {
            return;
        }
        var node = new GraphNode(new ObjectRef(resource, resource.Namespaced ? meta.NamespaceProperty : null, meta.Name, meta.Uid), meta);
        _graph.Upsert(node);
        if (node.Owners.Count > 0 || (node.Deleting && (node.HasFinalizer(Finalizers.Orphan) || node.HasFinalizer(Finalizers.ForegroundDeletion))))
        {
            Queue.Add(meta.Uid);
        }
        // An owner deleting in the foreground waits on its dependents: any change of one (a removed
        // reference, a deletion started) may release it.
        var owners = (oldMeta?.OwnerReferences ?? []).Concat(meta.OwnerReferences ?? []);
        EnqueueDeletingOwners(owners);
    }

    private void Forget(V1ObjectMeta meta)
    {
        if (string.IsNullOrEmpty(meta.Uid))
        {
            return;
        }
        var gone = _graph.Remove(meta.Uid);
        foreach (var dependent in _graph.DependentsOf(meta.Uid))
        {
            Queue.Add(dependent.Ref.Uid);
        }
        EnqueueDeletingOwners(gone?.Owners ?? (IEnumerable<V1OwnerReference>?)meta.OwnerReferences ?? []);
    }

    private void EnqueueDeletingOwners(IEnumerable<V1OwnerReference> owners)
    {
        foreach (var owner in owners)
        {
            if (_graph.Get(owner.Uid) is { DeletingDependents: true })
            {
                Queue.Add(owner.Uid);
            }
        }
    }

    /// <summary>The resource an owner reference names, or null for a kind this server does not serve.</summary>
    private static ResourceInfo? ResourceOf(V1OwnerReference owner)
    {
        var slash = owner.ApiVersion?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        var group = slash < 0 ? "" : owner.ApiVersion![..slash];
        return ResourceRegistry.Builtin.FindKind(group, owner.Kind);
    }
}

internal static partial class GarbageCollectorLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "garbage collector: deleting {Object} ({Policy}); owners gone or deleting")]
    public static partial void Deleting(ILogger logger, string @object, string policy);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "garbage collector: orphaned {Count} dependents of {Owner}")]
    public static partial void Orphaned(ILogger logger, int count, string owner);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "garbage collector: removing finalizer {Finalizer} of {Owner}")]
    public static partial void Finalized(ILogger logger, string finalizer, string owner);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "garbage collector: removing references to gone or deleting owners {Owners} from {Object}")]
    public static partial void Unlinking(ILogger logger, string owners, string @object);
}
