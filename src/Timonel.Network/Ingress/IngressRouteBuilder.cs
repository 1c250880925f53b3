using k8s.Models;
using Timonel.Api.Networking;

namespace Timonel.Network.Ingress;

/// <summary>Reads the objects the route table is built from (the informers' caches, or lists in tests).</summary>
public interface IIngressSource
{
    IEnumerable<V1Ingress> Ingresses();
    IEnumerable<V1IngressClass> IngressClasses();
    V1Service? Service(string ns, string name);
    IEnumerable<V1EndpointSlice> SlicesOf(string ns, string service);
}

/// <summary>
/// Builds an <see cref="IngressRouteTable"/> from scratch (cheap: a few dictionaries per
/// Ingress). Ingresses are taken oldest first (creationTimestamp, then namespace/name) so that
/// on equal paths, and for the default backend, the older Ingress wins, as upstream controllers
/// do. Rules of Ingresses of other classes are ignored. Objects are only read.
/// </summary>
public static class IngressRouteBuilder
{
    public static IngressRouteTable Build(IIngressSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var ours = IngressClasses.From(source.IngressClasses());
        var ingresses = Served(source, ours);
        var pools = new Dictionary<string, IngressBackendPool>(StringComparer.Ordinal);
        var exact = new Dictionary<string, List<IngressPathRule>>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, List<IngressPathRule>>(StringComparer.Ordinal);
        var anyHost = new List<IngressPathRule>();
        IngressBackendPool? defaultBackend = null;
        for (var order = 0; order < ingresses.Count; order++)
        {
            var ingress = ingresses[order];
            var ns = ingress.Metadata.NamespaceProperty ?? "default";
            if (defaultBackend is null && ingress.Spec?.DefaultBackend?.Service is { } fallback)
            {
                defaultBackend = Pool(source, pools, ns, fallback);
            }
            foreach (var rule in ingress.Spec?.Rules ?? [])
            {
                var target = TargetList(rule.Host, exact, wildcard, anyHost);
                foreach (var path in rule.Http?.Paths ?? [])
                {
                    if (path.Backend?.Service is not { } backend)
                    {
                        // Resource backends name objects of other controllers: nothing to forward to.
                        continue;
                    }
                    var kind = path.PathType == "Exact" ? IngressPathKind.Exact : IngressPathKind.Prefix;
                    var text = string.IsNullOrEmpty(path.Path) ? "/" : path.Path;
                    target.Add(new IngressPathRule(kind, text, Pool(source, pools, ns, backend), order));
                }
            }
        }
        return new IngressRouteTable(Freeze(exact), Freeze(wildcard),
            anyHost.Count > 0 ? Sorted(anyHost) : null, defaultBackend, ingresses.Count);
    }

    /// <summary>Our Ingresses, oldest first, leaving out those being deleted.</summary>
    public static List<V1Ingress> Served(IIngressSource source, IngressClasses.Ours ours) =>
        [.. source.Ingresses()
            .Where(i => i.Metadata?.DeletionTimestamp is null && ours.Serves(i))
            .OrderBy(i => i.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(i => i.Metadata.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(i => i.Metadata.Name, StringComparer.Ordinal)];

    private static List<IngressPathRule> TargetList(string? host,
        Dictionary<string, List<IngressPathRule>> exact, Dictionary<string, List<IngressPathRule>> wildcard, List<IngressPathRule> anyHost)
    {
        if (string.IsNullOrEmpty(host))
        {
            return anyHost;
        }
        var lower = host.ToLowerInvariant();
        var (map, key) = lower.StartsWith("*.", StringComparison.Ordinal) ? (wildcard, lower[2..]) : (exact, lower);
        if (!map.TryGetValue(key, out var list))
        {
            list = [];
            map[key] = list;
        }
        return list;
    }

    private static IngressBackendPool Pool(IIngressSource source, Dictionary<string, IngressBackendPool> pools, string ns, V1IngressServiceBackend backend)
    {
        var port = backend.Port?.Number is { } number and > 0 ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : backend.Port?.Name ?? "";
        var key = $"{ns}/{backend.Name}:{port}";
        if (!pools.TryGetValue(key, out var pool))
        {
            var destinations = IngressEndpoints.Resolve(source.Service(ns, backend.Name), backend.Port, source.SlicesOf(ns, backend.Name));
            pool = new IngressBackendPool($"{ns}/{backend.Name}", port, destinations);
            pools[key] = pool;
        }
        return pool;
    }

    private static Dictionary<string, IngressHostRules> Freeze(Dictionary<string, List<IngressPathRule>> byHost) =>
        byHost.ToDictionary(e => e.Key, e => Sorted(e.Value), StringComparer.Ordinal);

    private static IngressHostRules Sorted(List<IngressPathRule> rules)
    {
        var copy = rules.ToList();
        copy.Sort(IngressPathRule.Precedence);
        return new IngressHostRules(copy);
    }
}
