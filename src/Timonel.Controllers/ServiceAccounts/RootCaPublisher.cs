using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ServiceAccounts;

/// <summary>
/// Keeps the ConfigMap `kube-root-ca.crt` (key `ca.crt`: the cluster CA, PEM) in every active
/// namespace, as upstream's root-ca-cert-publisher: pods' service-account volumes project it to
/// /var/run/secrets/kubernetes.io/serviceaccount/ca.crt, so in-cluster clients trust the API
/// server. Re-created when deleted, restored when its data is changed. Keys are namespace names.
/// Without a CA in the options (<see cref="ControllerManagerOptions.RootCaPem"/>) it does nothing.
/// </summary>
public sealed class RootCaPublisher : Controller, IRunnableController
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string Key = "ca.crt";
    private const string DescriptionAnnotation = "kubernetes.io/description";
    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    private readonly ControllerContext _context;
    private readonly string _caPem = "";
    private readonly IInformer<V1Namespace>? _namespaces;
    private readonly IInformer<V1ConfigMap>? _configMaps;
    /// <summary>Its own factory for ConfigMaps, watching only those named kube-root-ca.crt: the controller manager keeps no copy of every ConfigMap.</summary>
    private readonly SharedInformerFactory? _rootCaMaps;

    public RootCaPublisher(ControllerContext context)
        : base("root-ca-cert-publisher", context.Time, context.Loggers.CreateLogger("timonel.controllers.rootca"))
    {
        _context = context;
        if (context.Options.RootCaPem is not { } caPem)
        {
            return;
        }
        _caPem = caPem;
        _namespaces = context.Informers.GetInformer<V1Namespace>();
        _rootCaMaps = new SharedInformerFactory(context.Api, context.Time, context.Loggers,
            new SharedInformerOptions { FieldSelector = "metadata.name=" + ConfigMapName });
        _configMaps = _rootCaMaps.GetInformer<V1ConfigMap>();
        _namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Added = ns => Queue.Add(ns.Metadata.Name),
            Updated = (_, ns) => Queue.Add(ns.Metadata.Name),
        });
        _configMaps.AddEventHandler(new ResourceEventHandler<V1ConfigMap>
        {
            Updated = (_, cm) => EnqueueIfOurs(cm),
            Deleted = (cm, _) => EnqueueIfOurs(cm),
        });
    }

    public async Task RunAsync(CancellationToken ct)
    {
        if (_namespaces is null || _configMaps is null || _rootCaMaps is null)
        {
            return;
        }
        await using (_rootCaMaps)
        {
            _rootCaMaps.Start();
            await RunAsync(_context.Options.Workers, [_namespaces.WaitForCacheSyncAsync, _configMaps.WaitForCacheSyncAsync], ct);
        }
    }

    private void EnqueueIfOurs(V1ConfigMap cm)
    {
        if (cm.Metadata.Name == ConfigMapName)
        {
            Queue.Add(cm.Metadata.NamespaceProperty);
        }
    }

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces!.Lister.Get(null, key);
        if (ns is null || ns.Metadata.DeletionTimestamp is not null || ns.Status?.Phase == "Terminating")
        {
            return SyncResult.Done;
        }
        var existing = _configMaps!.Lister.Get(key, ConfigMapName);
        if (existing is null)
        {
            var created = await _context.Api.CreateAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = ConfigMapName, NamespaceProperty = key, Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = Description } },
                Data = new Dictionary<string, string> { [Key] = _caPem },
            }, ct).ConfigureAwait(false);
            // AlreadyExists: the cache lags; Forbidden/NotFound: the namespace is going away.
            return created.Ok || created.IsAlreadyExists || created.Code == HttpStatusCode.Forbidden || created.IsNotFound
                ? SyncResult.Done
                : SyncResult.Failed($"creating {key}/{ConfigMapName}: {created}");
        }
        if (existing.Data is { Count: 1 } data && data.TryGetValue(Key, out var pem) && pem == _caPem)
        {
            return SyncResult.Done;
        }
        // Cached objects are read-only: the restored copy is a new object with the cached version.
        var restored = new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = ConfigMapName,
                NamespaceProperty = key,
                ResourceVersion = existing.Metadata.ResourceVersion,
                Labels = existing.Metadata.Labels,
                Annotations = new Dictionary<string, string>(existing.Metadata.Annotations ?? new Dictionary<string, string>()) { [DescriptionAnnotation] = Description },
            },
            Data = new Dictionary<string, string> { [Key] = _caPem },
        };
        var updated = await _context.Api.UpdateAsync(restored, ct).ConfigureAwait(false);
        // A conflict or a delete meanwhile brings a new event, hence a new sync.
        return updated.Ok || updated.IsNotFound || updated.Code == HttpStatusCode.Conflict
            ? SyncResult.Done
            : SyncResult.Failed($"restoring {key}/{ConfigMapName}: {updated}");
    }
}
