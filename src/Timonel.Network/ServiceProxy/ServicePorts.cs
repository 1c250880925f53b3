using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Timonel.Network.ServiceProxy;

/// <summary>
/// Turns a Service and its EndpointSlices into <see cref="ServicePortInfo"/>s. A Service port
/// finds its endpoints' port in the slices' port of the same name and protocol, which is how a
/// named targetPort is resolved (per pod, by the EndpointSlice controller). Topology hints are
/// ignored. Endpoints listed twice (in two slices) count once.
/// </summary>
public static class ServicePorts
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    private const int DefaultAffinityTimeoutSeconds = 10800;

    public static IReadOnlyList<ServicePortInfo> From(V1Service service, IEnumerable<V1EndpointSlice> slices, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(service);
        var spec = service.Spec;
        if (spec?.Ports is not { Count: > 0 } ports || spec.Type == "ExternalName")
        {
            return [];
        }
        var clusterIp = Ipv4OrNull(spec.ClusterIP);
        var externalIps = (spec.ExternalIPs ?? [])
            .Concat((service.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip))
            .Select(Ipv4OrNull).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (clusterIp is null)
        {
            // A headless Service is answered by DNS, not by the proxy.
            return [];
        }
        var externallyReachable = spec.Type is "NodePort" or "LoadBalancer" || externalIps.Count > 0;
        int? affinity = spec.SessionAffinity == "ClientIP"
            ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? DefaultAffinityTimeoutSeconds
            : null;
        var sliceList = slices.Where(s => s.AddressType == "IPv4").ToList();
        var result = new List<ServicePortInfo>(ports.Count);
        foreach (var port in ports)
        {
            var protocol = ParseProtocol(port.Protocol);
            if (protocol is null)
            {
                continue;
            }
            result.Add(new ServicePortInfo
            {
                Namespace = service.Metadata.NamespaceProperty ?? "default",
                ServiceName = service.Metadata.Name,
                PortName = port.Name ?? "",
                Protocol = protocol.Value,
                ClusterIp = clusterIp,
                Port = port.Port,
                NodePort = spec.Type is "NodePort" or "LoadBalancer" ? port.NodePort ?? 0 : 0,
                ExternalIps = externalIps,
                AffinityTimeoutSeconds = affinity,
                ExternalPolicyLocal = externallyReachable && spec.ExternalTrafficPolicy == "Local",
                InternalPolicyLocal = spec.InternalTrafficPolicy == "Local",
                Endpoints = EndpointsOf(port.Name ?? "", port.Protocol ?? "TCP", sliceList, nodeName),
            });
        }
        return result;
    }

    private static List<ProxyEndpoint> EndpointsOf(string portName, string protocol, List<V1EndpointSlice> slices, string nodeName)
    {
        var byKey = new SortedDictionary<string, ProxyEndpoint>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            var slicePort = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == portName && (p.Protocol ?? "TCP") == protocol);
            if (slicePort?.Port is not { } number)
            {
                continue;
            }
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                var address = endpoint.Addresses?.Select(Ipv4OrNull).FirstOrDefault(a => a is not null);
                if (address is null)
                {
                    continue;
                }
                // Upstream's reading of nil conditions: ready nil is ready, serving nil is as
                // ready, terminating nil is not terminating.
                var ready = endpoint.Conditions?.Ready ?? true;
                var candidate = new ProxyEndpoint(
                    address, number, ready, endpoint.Conditions?.Serving ?? ready,
                    endpoint.Conditions?.Terminating ?? false, endpoint.NodeName == nodeName);
                // Sorting by a zero-padded key keeps the endpoint order (hence rule order) stable.
                var key = SortKey(address, number);
                if (!byKey.TryGetValue(key, out var existing) || (candidate.Ready && !existing.Ready))
                {
                    byKey[key] = candidate;
                }
            }
        }
        return [.. byKey.Values];
    }

    private static string SortKey(string address, int port)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        return $"{bytes[0]:D3}.{bytes[1]:D3}.{bytes[2]:D3}.{bytes[3]:D3}:{port:D5}";
    }

    private static L4Protocol? ParseProtocol(string? protocol) => protocol switch
    {
        null or "TCP" => L4Protocol.Tcp,
        "UDP" => L4Protocol.Udp,
        "SCTP" => L4Protocol.Sctp,
        _ => null,
    };

    private static string? Ipv4OrNull(string? text) =>
        IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork
            ? address.ToString()
            : null;
}
