using k8s;
using k8s.Models;

namespace Timonel.Controllers.Endpoints;

/// <summary>
/// Builds the subsets of a service's Endpoints: each subset is a set of addresses that share the
/// same set of ports, so a pod lacking a named port appears only in the subsets of the ports it has.
/// </summary>
internal static class EndpointSubsets
{
    public static List<V1EndpointSubset> Build(V1Service service, IEnumerable<V1Pod> pods)
    {
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var headless = ServicePods.IsHeadless(service);
        // address (by IP) -> (address, ready, ports it serves)
        var byIp = new SortedDictionary<string, (V1EndpointAddress Address, bool Ready, SortedSet<string> PortKeys)>(StringComparer.Ordinal);
        var ports = new Dictionary<string, Corev1EndpointPort>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (!PodFacts.ShouldBeInEndpoints(pod, includeTerminating: publishNotReady))
            {
                continue;
            }
            var ready = publishNotReady || PodFacts.IsReady(pod);
            var address = new V1EndpointAddress
            {
                Ip = pod.Status.PodIP ?? pod.Status.PodIPs[0].Ip,
                NodeName = pod.Spec.NodeName,
                TargetRef = PodFacts.TargetRef(pod),
                Hostname = HostnameOf(pod, service, headless),
            };
            var portKeys = new SortedSet<string>(StringComparer.Ordinal);
            if (service.Spec.Ports is not { Count: > 0 })
            {
                // Only a headless service may have no ports: its addresses stand alone.
                if (!headless)
                {
                    continue;
                }
            }
            else
            {
                var servesAny = false;
                foreach (var servicePort in service.Spec.Ports)
                {
                    if (PodFacts.FindPort(pod, servicePort) is not { } number)
                    {
                        continue;
                    }
                    var port = new Corev1EndpointPort
                    {
                        Name = servicePort.Name,
                        Port = number,
                        Protocol = servicePort.Protocol ?? "TCP",
                        AppProtocol = servicePort.AppProtocol,
                    };
                    var key = $"{port.Name}/{port.Port}/{port.Protocol}";
                    ports[key] = port;
                    portKeys.Add(key);
                    servesAny = true;
                }
                if (!servesAny)
                {
                    continue;
                }
            }
            byIp[address.Ip] = (address, ready, portKeys);
        }

        var subsets = new List<V1EndpointSubset>();
        foreach (var group in byIp.Values.GroupBy(a => string.Join(",", a.PortKeys), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var readyAddresses = group.Where(a => a.Ready).Select(a => a.Address).ToList();
            var notReady = group.Where(a => !a.Ready).Select(a => a.Address).ToList();
            subsets.Add(new V1EndpointSubset
            {
                Addresses = readyAddresses.Count > 0 ? readyAddresses : null,
                NotReadyAddresses = notReady.Count > 0 ? notReady : null,
                Ports = group.First().PortKeys.Count > 0 ? group.First().PortKeys.Select(k => ports[k]).ToList() : null,
            });
        }
        return subsets;
    }

    /// <summary>A headless service names its pods when they ask for it with hostname and subdomain.</summary>
    public static string? HostnameOf(V1Pod pod, V1Service service, bool headless) =>
        headless && !string.IsNullOrEmpty(pod.Spec.Hostname) && pod.Spec.Subdomain == service.Metadata.Name &&
        service.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty
            ? pod.Spec.Hostname
            : null;

    public static bool SameSubsets(IList<V1EndpointSubset>? a, IList<V1EndpointSubset>? b) =>
        KubernetesJson.Serialize(a ?? []) == KubernetesJson.Serialize(b ?? []);
}
