using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Timonel.Network.Ingress;

/// <summary>
/// A backend Service port → the destinations of its ready endpoints. The Ingress names the
/// Service port (by number or name); its endpoints' port is the EndpointSlice port of the same
/// name, which is how a named targetPort is resolved per pod. Endpoints whose ready condition is
/// false are left out (a missing condition counts as ready, as upstream says); terminating ones
/// are not ready. ExternalName Services have no endpoints here.
/// </summary>
public static class IngressEndpoints
{
    public static IReadOnlyList<string> Resolve(V1Service? service, V1ServiceBackendPort? port, IEnumerable<V1EndpointSlice> slices)
    {
        if (service?.Spec?.Ports is not { Count: > 0 } ports || service.Spec.Type == "ExternalName" || port is null)
        {
            return [];
        }
        var servicePort = port.Number is { } number and > 0
            ? ports.FirstOrDefault(p => p.Port == number)
            : ports.FirstOrDefault(p => !string.IsNullOrEmpty(port.Name) && p.Name == port.Name);
        if (servicePort is null || (servicePort.Protocol ?? "TCP") != "TCP")
        {
            return [];
        }
        var portName = servicePort.Name ?? "";
        var destinations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            if (slice.AddressType is not ("IPv4" or "IPv6"))
            {
                continue;
            }
            var slicePort = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == portName && (p.Protocol ?? "TCP") == "TCP");
            if (slicePort?.Port is not { } target)
            {
                continue;
            }
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready == false)
                {
                    continue;
                }
                var address = endpoint.Addresses?.FirstOrDefault();
                if (address is not null && IPAddress.TryParse(address, out var ip))
                {
                    destinations.Add(Prefix(ip, target));
                }
            }
        }
        return [.. destinations];
    }

    private static string Prefix(IPAddress ip, int port) => ip.AddressFamily == AddressFamily.InterNetworkV6
        ? $"http://[{ip}]:{port}"
        : $"http://{ip}:{port}";
}
