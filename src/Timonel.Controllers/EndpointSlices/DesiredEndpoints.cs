using k8s;
using k8s.Models;
using Timonel.Controllers.Endpoints;

namespace Timonel.Controllers.EndpointSlices;

/// <summary>The endpoints a service should have, grouped by the exact set of ports they serve.</summary>
internal sealed record PortGroup(string Key, List<Discoveryv1EndpointPort> Ports, Dictionary<string, V1Endpoint> EndpointsByIp);

internal static class DesiredEndpoints
{
    /// <summary>
    /// Every pod with an IPv4 address that is still meant to run, terminating ones included (with
    /// terminating=true), since slice consumers may drain them. ready is "serving and not
    /// terminating" unless the service publishes not-ready addresses, where it is always true.
    /// </summary>
    public static Dictionary<string, PortGroup> Compute(V1Service service, IEnumerable<V1Pod> pods)
    {
        var headless = ServicePods.IsHeadless(service);
        var publishNotReady = service.Spec.PublishNotReadyAddresses == true;
        var groups = new Dictionary<string, PortGroup>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (!PodFacts.ShouldBeInEndpoints(pod, includeTerminating: true) || IPv4Of(pod) is not { } ip)
            {
                continue;
            }
            var ports = new List<Discoveryv1EndpointPort>();
            foreach (var servicePort in service.Spec.Ports ?? [])
            {
                if (PodFacts.FindPort(pod, servicePort) is { } number)
                {
                    ports.Add(new Discoveryv1EndpointPort
                    {
                        Name = servicePort.Name ?? "",
                        Port = number,
                        Protocol = servicePort.Protocol ?? "TCP",
                        AppProtocol = servicePort.AppProtocol,
                    });
                }
            }
            if (ports.Count == 0 && service.Spec.Ports is { Count: > 0 })
            {
                continue;
            }
            ports.Sort((a, b) => string.CompareOrdinal(PortKey(a), PortKey(b)));
            var key = KeyOf(ports);
            if (!groups.TryGetValue(key, out var group))
            {
                group = new PortGroup(key, ports, new(StringComparer.Ordinal));
                groups[key] = group;
            }
            var serving = PodFacts.IsReady(pod);
            var terminating = PodFacts.IsTerminating(pod);
            group.EndpointsByIp[ip] = new V1Endpoint
            {
                Addresses = [ip],
                Conditions = new V1EndpointConditions
                {
                    Ready = publishNotReady || (serving && !terminating),
                    Serving = serving,
                    Terminating = terminating,
                },
                NodeName = pod.Spec.NodeName,
                TargetRef = PodFacts.TargetRef(pod),
                Hostname = EndpointSubsets.HostnameOf(pod, service, headless),
            };
        }
        return groups;
    }

    public static string KeyOf(IEnumerable<Discoveryv1EndpointPort>? ports) =>
        string.Join(",", (ports ?? []).Select(PortKey).Order(StringComparer.Ordinal));

    public static bool SameEndpoint(V1Endpoint a, V1Endpoint b) => KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

    private static string PortKey(Discoveryv1EndpointPort p) => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}";

    private static string? IPv4Of(V1Pod pod)
    {
        if (pod.Status?.PodIP is { } ip && System.Net.IPAddress.TryParse(ip, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return ip;
        }
        return pod.Status?.PodIPs?.Select(p => p.Ip).FirstOrDefault(p =>
            System.Net.IPAddress.TryParse(p, out var addr) && addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
    }
}
