using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Timonel.Api.Quota;
using Timonel.Api.Scheme;
using Timonel.Client.Api;
using Timonel.Client.Controllers;
using Timonel.Client.Informers;

namespace Timonel.Controllers.ResourceQuotas;

/// <summary>
/// Keeps each ResourceQuota's status as upstream's resourcequota controller: <c>hard</c> as in its
/// spec, <c>used</c> recomputed from the namespace's objects for every limited name
/// (<see cref="QuotaUsage"/>), so deletes and finished pods give room back that admission charged.
/// Keys are "namespace/name"; a quota syncs when its limits change, when a pod of its namespace
/// goes or finishes, and every <see cref="Resync"/> (deletes of other kinds).
/// </summary>
public sealed class ResourceQuotaController : Controller, IRunnableController
{
    public static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);

    private readonly ControllerContext _context;
    private readonly IInformer<V1ResourceQuota> _quotas;
    private readonly IInformer<V1Pod> _pods;

    public ResourceQuotaController(ControllerContext context)
        : base("resourcequota", context.Time, context.Loggers.CreateLogger("timonel.controllers.resourcequota"))
    {
        _context = context;
        _quotas = context.Informers.GetInformer<V1ResourceQuota>();
        _pods = context.Informers.GetInformer<V1Pod>();
        _quotas.AddEventHandler(new ResourceEventHandler<V1ResourceQuota>
        {
            Added = Enqueue,
            Updated = (old, quota) =>
            {
                if (!SameQuantities(old.Spec?.Hard, quota.Spec?.Hard) || !SameQuantities(quota.Spec?.Hard, quota.Status?.Hard)) Enqueue(quota);
            },
        });
        _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Updated = (old, pod) =>
            {
                if (old.Status?.Phase is not ("Succeeded" or "Failed") && pod.Status?.Phase is "Succeeded" or "Failed") EnqueueNamespace(pod.Metadata.NamespaceProperty);
            },
            Deleted = (pod, _) => EnqueueNamespace(pod.Metadata.NamespaceProperty),
        });
    }

    public Task RunAsync(CancellationToken ct) =>
        RunAsync(_context.Options.Workers, [_quotas.WaitForCacheSyncAsync, _pods.WaitForCacheSyncAsync], ct);

    private void EnqueueNamespace(string ns)
    {
        foreach (var quota in _quotas.Lister.List(ns))
        {
            Enqueue(quota);
        }
    }

    protected override async Task<SyncResult> SyncAsync(string key, CancellationToken ct)
    {
        var (ns, name) = ResourceTable.SplitKey(key);
        var quota = _quotas.Lister.Get(ns, name);
        if (quota is null || quota.Spec?.Hard is not { Count: > 0 } hard)
        {
            return SyncResult.Done;
        }
        var totals = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var resource in ResourcesCounted(hard.Keys))
        {
            var objects = await ObjectsAsync(resource, ns!, ct).ConfigureAwait(false);
            if (objects is null)
            {
                return SyncResult.Failed($"listing {resource.Plural} in {ns}");
            }
            foreach (var obj in objects.Where(o => QuotaUsage.InScope(quota, o)))
            {
                foreach (var (usageName, value) in QuotaUsage.Of(resource.Group, resource.Plural, obj))
                {
                    totals[usageName] = totals.GetValueOrDefault(usageName) + value;
                }
            }
        }
        var used = hard.Keys.ToDictionary(k => k, k => new ResourceQuantity(QuotaUsage.Format(k, totals.GetValueOrDefault(k))));
        if (SameQuantities(quota.Status?.Hard, hard) && SameQuantities(quota.Status?.Used, used))
        {
            return SyncResult.After(Resync);
        }
        // Cached objects are read-only: the status goes out on a copy with the cached version.
        var updated = KubernetesJson.Deserialize<V1ResourceQuota>(KubernetesJson.Serialize(quota));
        updated.Status = new V1ResourceQuotaStatus { Hard = new Dictionary<string, ResourceQuantity>(hard), Used = used };
        var result = await _context.Api.UpdateStatusAsync(updated, ct).ConfigureAwait(false);
        // A conflict: admission charged the quota meanwhile; the event brings the next sync.
        return result.Ok || result.IsNotFound ? SyncResult.After(Resync)
            : result.Code == System.Net.HttpStatusCode.Conflict ? SyncResult.Failed("quota changed meanwhile")
            : SyncResult.Failed($"updating {key} status: {result}");
    }

    /// <summary>The resources whose objects the limited names count (pods for cpu and memory, services for node ports, ...).</summary>
    private static IEnumerable<ResourceInfo> ResourcesCounted(IEnumerable<string> hardNames)
    {
        var found = new HashSet<ResourceInfo>();
        foreach (var name in hardNames)
        {
            var (group, plural) = name switch
            {
                _ when name.StartsWith("count/", StringComparison.Ordinal) => SplitCount(name["count/".Length..]),
                _ when name.StartsWith("services", StringComparison.Ordinal) => ("", "services"),
                "requests.storage" or "persistentvolumeclaims" => ("", "persistentvolumeclaims"),
                "configmaps" or "secrets" or "replicationcontrollers" or "resourcequotas" or "pods" => ("", name),
                _ => ("", "pods"), // cpu, memory, requests.*, limits.*
            };
            var resource = ResourceRegistry.Builtin.Resources.FirstOrDefault(r => r.Group == group && r.Plural == plural);
            if (resource is not null && found.Add(resource))
            {
                yield return resource;
            }
        }
    }

    private static (string Group, string Plural) SplitCount(string resource)
    {
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? ("", resource) : (resource[(dot + 1)..], resource[..dot]);
    }

    /// <summary>The namespace's objects of a resource: pods from the cache, Services and claims typed, the rest by their metadata.</summary>
    private async Task<IReadOnlyList<object>?> ObjectsAsync(ResourceInfo resource, string ns, CancellationToken ct)
    {
        if (resource.Group.Length == 0 && resource.Plural == "pods")
        {
            return _pods.Lister.List(ns).ToList<object>();
        }
        if (resource.Group.Length == 0 && resource.Plural == "services")
        {
            var services = await _context.Api.ListAsync<V1Service>(ns, ct: ct).ConfigureAwait(false);
            return services.Ok ? services.Value!.Items.ToList<object>() : null;
        }
        if (resource.Group.Length == 0 && resource.Plural == "persistentvolumeclaims")
        {
            var claims = await _context.Api.ListAsync<V1PersistentVolumeClaim>(ns, ct: ct).ConfigureAwait(false);
            return claims.Ok ? claims.Value!.Items.ToList<object>() : null;
        }
        var listed = await _context.Api.ListMetadataAsync(resource, ns, ct: ct).ConfigureAwait(false);
        return listed.Ok ? listed.Value!.Items.ToList<object>() : null;
    }

    private static bool SameQuantities(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0)
        && (a ?? new Dictionary<string, ResourceQuantity>()).All(p => b!.TryGetValue(p.Key, out var q) && QuotaUsage.Value(q) == QuotaUsage.Value(p.Value));
}
