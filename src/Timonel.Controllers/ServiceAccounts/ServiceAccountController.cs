using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ServiceAccounts;

/// <summary>
/// Keeps a `default` ServiceAccount in every active namespace: created with the namespace and
/// again whenever it is deleted. Keys are namespace names. A Terminating namespace gets none.
/// </summary>
public sealed class ServiceAccountController : Controller, IRunnableController
{
    public const string DefaultName = "default";

    private readonly ControllerContext _context;
    private readonly IInformer<V1Namespace> _namespaces;
    private readonly IInformer<V1ServiceAccount> _accounts;

    public ServiceAccountController(ControllerContext context)
        : base("serviceaccount", context.Time, context.Loggers.CreateLogger("timonel.controllers.serviceaccount"))
    {
        _context = context;
        _namespaces = context.Informers.GetInformer<V1Namespace>();
        _accounts = context.Informers.GetInformer<V1ServiceAccount>();
        _namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Added = ns => Queue.Add(ns.Metadata.Name),
            Updated = (_, ns) => Queue.Add(ns.Metadata.Name),
        });
        _accounts.AddEventHandler(new ResourceEventHandler<V1ServiceAccount>
        {
            Deleted = (sa, _) =>
            {
                if (sa.Metadata.Name == DefaultName)
                {
                    Queue.Add(sa.Metadata.NamespaceProperty);
                }
            },
        });
    }

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_namespaces.WaitForCacheSyncAsync, _accounts.WaitForCacheSyncAsync], ct);

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces.Lister.Get(null, key);
        if (ns is null || ns.Metadata.DeletionTimestamp is not null || ns.Status?.Phase == "Terminating")
        {
            return SyncResult.Done;
        }
        if (_accounts.Lister.Get(key, DefaultName) is not null)
        {
            return SyncResult.Done;
        }
        var created = await _context.Api.CreateAsync(new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta { Name = DefaultName, NamespaceProperty = key },
        }, ct).ConfigureAwait(false);
        // AlreadyExists: the cache lags; Forbidden: the namespace started terminating meanwhile.
        return created.Ok || created.IsAlreadyExists || created.Code == HttpStatusCode.Forbidden || created.IsNotFound
            ? SyncResult.Done
            : SyncResult.Failed($"creating {key}/{DefaultName}: {created}");
    }
}
