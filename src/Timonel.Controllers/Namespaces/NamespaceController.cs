using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;
using Timonel.Controllers.GarbageCollector;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.Namespaces;

/// <summary>
/// Empties a Terminating namespace: deletes every namespaced object in it (every served resource,
/// in the background as upstream does), looks again until nothing is left, then writes the
/// finalize subresource without the "kubernetes" finalizer, after which the API server deletes
/// the namespace. Objects held by finalizers or grace periods keep the namespace until they go.
/// </summary>
public sealed class NamespaceController : Controller, IRunnableController
{
    public const string KubernetesFinalizer = "kubernetes";
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromSeconds(1);

    private readonly ControllerContext _context;
    private readonly IInformer<V1Namespace> _namespaces;
    private readonly IReadOnlyList<ResourceAccess> _namespaced;

    public NamespaceController(ControllerContext context)
        : base("namespace", context.Time, context.Loggers.CreateLogger("timonel.controllers.namespace"))
    {
        _context = context;
        _namespaced = ResourceAccess.ForAllBuiltin(context.Api).Where(a => a.Resource.Namespaced).ToList();
        _namespaces = context.Informers.GetInformer<V1Namespace>();
        _namespaces.AddEventHandler(ResourceEventHandler<V1Namespace>.ForAll(ns =>
        {
            if (ns.Metadata.DeletionTimestamp is not null)
            {
                Enqueue(ns);
            }
        }));
    }

    public Task RunAsync(CancellationToken ct) => RunAsync(_context.Options.Workers, _namespaces, ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces.Lister.Get(null, key);
        if (ns?.Metadata.DeletionTimestamp is null)
        {
            return SyncResult.Done;
        }
        if (ns.Spec?.Finalizers?.Contains(KubernetesFinalizer) != true)
        {
            return SyncResult.Done;
        }
        var remaining = 0;
        foreach (var access in _namespaced)
        {
            var list = await access.ListAsync(key, ct).ConfigureAwait(false);
            if (!list.Ok)
            {
                return SyncResult.Failed($"listing {access.Resource.Plural} in {key}: {list}");
            }
            foreach (var item in list.Value!)
            {
                remaining++;
                if (item.DeletionTimestamp is not null)
                {
                    continue;
                }
                var deleted = await access.DeleteAsync(key, item.Name, item.Uid, "Background", ct).ConfigureAwait(false);
                if (!deleted.Ok && !deleted.IsNotFound && !deleted.IsConflict)
                {
                    return SyncResult.Failed($"deleting {access.Resource.Plural} {key}/{item.Name}: {deleted}");
                }
            }
        }
        if (remaining > 0)
        {
            NamespaceLog.Waiting(Logger, key, remaining);
            return SyncResult.After(RecheckDelay);
        }
        return await FinalizeAsync(ns, ct).ConfigureAwait(false);
    }

    private async Task<SyncResult> FinalizeAsync(V1Namespace cached, CancellationToken ct)
    {
        // The cached namespace is shared: write a copy.
        var copy = ObjectCopy.Clone(cached);
        copy.Spec.Finalizers = copy.Spec.Finalizers.Where(f => f != KubernetesFinalizer).ToList();
        try
        {
            await _context.Api.Kubernetes.CoreV1.ReplaceNamespaceFinalizeAsync(copy, copy.Metadata.Name, cancellationToken: ct).ConfigureAwait(false);
            NamespaceLog.Finalized(Logger, copy.Metadata.Name);
            return SyncResult.Done;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return SyncResult.Done;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return SyncResult.Failed($"finalize {copy.Metadata.Name}: conflict");
        }
    }
}

internal static partial class NamespaceLog
{
    [LoggerMessage(EventId = 5310, Level = LogLevel.Information, Message = "namespace {Namespace}: waiting for {Count} objects to go")]
    public static partial void Waiting(ILogger logger, string @namespace, int count);

    [LoggerMessage(EventId = 5311, Level = LogLevel.Information, Message = "namespace {Namespace}: empty, finalized")]
    public static partial void Finalized(ILogger logger, string @namespace);
}
