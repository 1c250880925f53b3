using System.Collections.Frozen;
using System.Net;
using k8s.Models;

namespace Timonel.Network.Dns;

/// <summary>One port of a Service or an EndpointSlice: name and protocol as lower-case DNS labels.</summary>
public sealed record DnsPort(string Name, string Protocol, int Port);

/// <summary>A ready endpoint address and the label that names it under its Service (hostname or dashed IP).</summary>
public sealed record DnsEndpoint(IPAddress Address, string Label, IReadOnlyList<DnsPort> Ports);

public enum DnsServiceKind { ClusterIp, Headless, ExternalName }

/// <summary>What DNS knows of one Service: its addresses, ports and ready endpoints.</summary>
public sealed record DnsService(
    string Namespace,
    string Name,
    DnsServiceKind Kind,
    IReadOnlyList<IPAddress> ClusterIps,
    IReadOnlyList<DnsPort> Ports,
    string? ExternalName,
    IReadOnlyList<DnsEndpoint> Endpoints);

/// <summary>
/// An immutable view of the cluster's Services and ready endpoints, keyed for lookups by name
/// (lower case: DNS names are case-insensitive) and by address for PTR. Built whole from the
/// informer caches and swapped atomically; queries never see a half-applied change.
/// </summary>
public sealed class ClusterDnsSnapshot
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private readonly FrozenDictionary<string, DnsService> _byName;
    private readonly FrozenSet<string> _namespaces;
    private readonly FrozenDictionary<IPAddress, DnsService> _byClusterIp;
    private readonly FrozenDictionary<IPAddress, (DnsService Service, DnsEndpoint Endpoint)[]> _byEndpointIp;

    private ClusterDnsSnapshot(List<DnsService> services, bool synced, long serial)
    {
        Synced = synced;
        Serial = serial;
        _byName = services.ToFrozenDictionary(s => Key(s.Namespace, s.Name), StringComparer.Ordinal);
        _namespaces = services.Select(s => s.Namespace).ToFrozenSet(StringComparer.Ordinal);
        var byClusterIp = new Dictionary<IPAddress, DnsService>();
        var byEndpointIp = new Dictionary<IPAddress, List<(DnsService, DnsEndpoint)>>();
        foreach (var service in services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            foreach (var ip in service.ClusterIps)
            {
                byClusterIp.TryAdd(ip, service);
            }
            foreach (var endpoint in service.Endpoints)
            {
                if (!byEndpointIp.TryGetValue(endpoint.Address, out var list))
                {
                    byEndpointIp[endpoint.Address] = list = [];
                }
                list.Add((service, endpoint));
            }
        }
        _byClusterIp = byClusterIp.ToFrozenDictionary();
        _byEndpointIp = byEndpointIp.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray());
    }

    public static ClusterDnsSnapshot Empty { get; } = new([], synced: false, serial: 0);

    /// <summary>False until the informers have listed once: name errors are then SERVFAIL, not NXDOMAIN.</summary>
    public bool Synced { get; }

    /// <summary>The SOA serial: Unix seconds of the build, as CoreDNS uses the time of its last change.</summary>
    public long Serial { get; }

    public int Count => _byName.Count;

    public DnsService? Find(string ns, string name) => _byName.GetValueOrDefault(Key(ns, name));

    public bool HasNamespace(string ns) => _namespaces.Contains(ns);

    public DnsService? ServiceOfClusterIp(IPAddress ip) => _byClusterIp.GetValueOrDefault(ip);

    public IReadOnlyList<(DnsService Service, DnsEndpoint Endpoint)> EndpointsOfIp(IPAddress ip) =>
        _byEndpointIp.TryGetValue(ip, out var found) ? found : [];

    /// <summary>Builds the view from cached objects (read only: nothing here changes them).</summary>
    public static ClusterDnsSnapshot Build(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, long serial, bool synced = true)
    {
        var slicesByService = slices
            .Where(s => s.Metadata.Labels?.ContainsKey(ServiceNameLabel) == true)
            .ToLookup(s => Key(s.Metadata.NamespaceProperty ?? "", s.Metadata.Labels[ServiceNameLabel]));
        var built = new List<DnsService>();
        foreach (var service in services)
        {
            var ns = service.Metadata.NamespaceProperty ?? "";
            var name = service.Metadata.Name ?? "";
            built.Add(FromService(service, slicesByService[Key(ns, name)]));
        }
        return new ClusterDnsSnapshot(built, synced, serial);
    }

    private static DnsService FromService(V1Service service, IEnumerable<V1EndpointSlice> slices)
    {
        var spec = service.Spec ?? new V1ServiceSpec();
        var ns = (service.Metadata.NamespaceProperty ?? "").ToLowerInvariant();
        var name = (service.Metadata.Name ?? "").ToLowerInvariant();
        var ports = (spec.Ports ?? []).Select(p => new DnsPort((p.Name ?? "").ToLowerInvariant(), (p.Protocol ?? "TCP").ToLowerInvariant(), p.Port)).ToList();
        if (spec.Type == "ExternalName")
        {
            return new DnsService(ns, name, DnsServiceKind.ExternalName, [], ports, spec.ExternalName?.TrimEnd('.'), []);
        }
        var clusterIps = (spec.ClusterIPs is { Count: > 0 } list ? list : [spec.ClusterIP])
            .Select(ip => IPAddress.TryParse(ip, out var parsed) ? parsed : null)
            .OfType<IPAddress>()
            .ToList();
        var headless = spec.ClusterIP == "None" || clusterIps.Count == 0;
        return new DnsService(ns, name, headless ? DnsServiceKind.Headless : DnsServiceKind.ClusterIp, headless ? [] : clusterIps, ports, null, ReadyEndpoints(slices));
    }

    /// <summary>
    /// Ready addresses (a missing condition counts as ready, as the API documents), one entry per
    /// address even when two slices repeat it; a slice without ports gives endpoints without ports.
    /// </summary>
    private static List<DnsEndpoint> ReadyEndpoints(IEnumerable<V1EndpointSlice> slices)
    {
        var endpoints = new List<DnsEndpoint>();
        var seen = new HashSet<IPAddress>();
        foreach (var slice in slices.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var ports = (slice.Ports ?? [])
                .Where(p => p.Port is not null)
                .Select(p => new DnsPort((p.Name ?? "").ToLowerInvariant(), (p.Protocol ?? "TCP").ToLowerInvariant(), p.Port!.Value))
                .ToList();
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready == false)
                {
                    continue;
                }
                foreach (var text in endpoint.Addresses ?? [])
                {
                    if (IPAddress.TryParse(text, out var address) && seen.Add(address))
                    {
                        var label = string.IsNullOrEmpty(endpoint.Hostname) ? DashedLabel(address) : endpoint.Hostname.ToLowerInvariant();
                        endpoints.Add(new DnsEndpoint(address, label, ports));
                    }
                }
            }
        }
        return endpoints;
    }

    /// <summary>1.2.3.4 → "1-2-3-4"; IPv6 colons become dashes, with a trailing "0" so the label never ends in "-".</summary>
    public static string DashedLabel(IPAddress address)
    {
        var text = address.ToString().Replace('.', '-').Replace(':', '-');
        return text.EndsWith('-') ? text + "0" : text;
    }

    private static string Key(string ns, string name) => ns.ToLowerInvariant() + "/" + name.ToLowerInvariant();
}
