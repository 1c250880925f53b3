using System.Text.Json.Nodes;
using Timonel.ApiServer.Rest;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Hosting;

/// <summary>
/// The objects every cluster has from its first start: the four system namespaces, and the
/// `kubernetes` Service (the first address of the service CIDR) with the Endpoints and
/// EndpointSlice that point at this API server (its <see cref="AdvertiseAddress"/>, set again at
/// every start), the `kube-dns` Service (the tenth address), and
/// the two system PriorityClasses, and the IngressClass `timonel` of the built-in ingress
/// (the cluster's default class).
/// </summary>
public static class Bootstrap
{
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task EnsureSystemObjectsAsync(ApiContext api, CancellationToken ct)
    {
        foreach (var name in SystemNamespaces)
        {
            await CreateIfMissingAsync(api, "", "v1", "namespaces", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, ct);
        }
        var options = api.Options;
        var address = AdvertiseAddress(options);
        var labels = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" };
        await CreateIfMissingAsync(api, "", "v1", "services", "default", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["labels"] = labels.DeepClone() },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = options.ServiceCidr.At(1).ToString(),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = options.Port }),
                ["sessionAffinity"] = "None",
                ["type"] = "ClusterIP",
            },
        }, ct);
        await CreateOrReconcileAsync(api, "", "v1", "endpoints", "default", ["subsets"], new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = address }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = options.Port, ["protocol"] = "TCP" }),
            }),
        }, ct);
        await CreateOrReconcileAsync(api, "discovery.k8s.io", "v1", "endpointslices", "default", ["endpoints", "ports"], new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kubernetes", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = "kubernetes" } },
            ["addressType"] = "IPv4",
            ["endpoints"] = new JsonArray(new JsonObject { ["addresses"] = new JsonArray(address), ["conditions"] = new JsonObject { ["ready"] = true } }),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = options.Port, ["protocol"] = "TCP" }),
        }, ct);
        await CreateIfMissingAsync(api, "", "v1", "services", "kube-system", KubeDnsService(options), ct);
        foreach (var (name, value, description) in PriorityAdmission.SystemClasses)
        {
            await CreateIfMissingAsync(api, "scheduling.k8s.io", "v1", "priorityclasses", null, new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name },
                ["value"] = value,
                ["description"] = description,
                ["preemptionPolicy"] = "PreemptLowerPriority",
            }, ct);
        }
        await CreateIfMissingAsync(api, "networking.k8s.io", "v1", "ingressclasses", null, TimonelIngressClass(), ct);
    }

    /// <summary>
    /// The class of the ingress every agent runs (Timonel.Network's IngressProxy), marked default
    /// so Ingresses without a class are served. Created only if missing: an administrator may
    /// take the default mark away and it stays so.
    /// </summary>
    public static JsonObject TimonelIngressClass() => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = "timonel",
            ["annotations"] = new JsonObject { ["ingressclass.kubernetes.io/is-default-class"] = "true" },
        },
        ["spec"] = new JsonObject { ["controller"] = "timonel.io/ingress" },
    };

    /// <summary>
    /// The cluster DNS Service at the tenth address of the service CIDR, the address every pod's
    /// resolv.conf names (kubelet's clusterDNS). Its endpoints are the nodes' DNS servers: no
    /// selector, so the EndpointSlice controller leaves it alone; every agent publishes its own
    /// slice `kube-dns-NODE` and the node-endpoints controller keeps its readiness.
    /// </summary>
    public static JsonObject KubeDnsService(ApiServerOptions options)
    {
        var labels = new JsonObject { ["k8s-app"] = "kube-dns", ["kubernetes.io/name"] = "KubeDNS" };
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "kube-dns", ["labels"] = labels },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = options.ServiceCidr.At(10).ToString(),
                ["ports"] = new JsonArray(
                    new JsonObject { ["name"] = "dns", ["port"] = 53, ["protocol"] = "UDP", ["targetPort"] = 53 },
                    new JsonObject { ["name"] = "dns-tcp", ["port"] = 53, ["protocol"] = "TCP", ["targetPort"] = 53 }),
                ["sessionAffinity"] = "None",
                ["type"] = "ClusterIP",
            },
        };
    }

    /// <summary>
    /// The address pods reach this server at, behind the `kubernetes` Service: the first IPv4 listen
    /// address that is neither loopback nor a wildcard (a node's 127.0.0.1 is the node itself), else
    /// 127.0.0.1, which serves only clients on this host.
    /// </summary>
    public static string AdvertiseAddress(ApiServerOptions options) =>
        options.ExtraBindAddresses.Prepend(options.BindAddress)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                && !System.Net.IPAddress.IsLoopback(a) && !a.Equals(System.Net.IPAddress.Any))
            ?.ToString() ?? "127.0.0.1";

    /// <summary>
    /// As <see cref="CreateIfMissingAsync"/>, and an existing object gets the given top-level fields
    /// of <paramref name="obj"/> back: the server's address and port may change between starts.
    /// </summary>
    private static async Task CreateOrReconcileAsync(ApiContext api, string group, string version, string plural, string? ns,
        string[] fields, JsonObject obj, CancellationToken ct)
    {
        var store = api.StoreFor(api.Registry.Find(group, version, plural)!);
        var name = ObjectMeta.Name(obj)!;
        var (existing, _) = await store.GetAsync(ns, name, ct);
        if (existing is null)
        {
            await CreateIfMissingAsync(api, group, version, plural, ns, obj, ct);
            return;
        }
        if (fields.All(f => JsonNode.DeepEquals(existing[f], obj[f])))
        {
            return;
        }
        var outcome = await store.GuaranteedUpdateAsync(ns, name, current =>
        {
            // A copy: the store compares the result with the current object to skip no-op writes.
            var updated = (JsonObject)current.DeepClone();
            foreach (var field in fields)
            {
                updated[field] = obj[field]?.DeepClone();
            }
            return (updated, null);
        }, ct);
        if (outcome.Error is not null)
        {
            throw new InvalidOperationException($"bootstrap object {plural}/{name} could not be updated: {outcome.Error.Message}");
        }
    }

    /// <summary>Creates an object through the same preparation and admission as a client's create, if absent.</summary>
    private static async Task CreateIfMissingAsync(ApiContext api, string group, string version, string plural, string? ns, JsonObject obj, CancellationToken ct)
    {
        var resource = api.Registry.Find(group, version, plural)!;
        var store = api.StoreFor(resource);
        var (existing, _) = await store.GetAsync(ns, ObjectMeta.Name(obj)!, ct);
        if (existing is not null)
        {
            return;
        }
        var error = ObjectPreparation.PrepareForCreate(obj, resource, ns, api.Time.GetUtcNow())
            ?? await Admission.AdmitCreateAsync(api, obj, resource, dryRun: false, ct);
        if (error is not null)
        {
            throw new InvalidOperationException($"bootstrap object {plural}/{ObjectMeta.Name(obj)} is invalid: {error.Message}");
        }
        await store.CreateAsync(obj, ct);
    }
}
