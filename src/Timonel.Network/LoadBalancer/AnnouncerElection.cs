using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Timonel.Network.LoadBalancer;

/// <summary>
/// Which node answers ARP for each load-balancer address, as MetalLB's L2 mode decides it: every
/// agent computes the same answer from the same API objects, with no coordination. The candidates
/// are the Ready nodes not labelled <see cref="ExcludeLabel"/>; for externalTrafficPolicy Local
/// only those with a ready endpoint of the Service (traffic must not leave the node it arrives on).
/// Among them the winner has the highest SHA-256 of "node#address": stable while the candidates
/// stay, spread over the nodes, and a node that leaves moves only its own addresses.
/// </summary>
public static class AnnouncerElection
{
    /// <summary>The loadBalancerClass of Timonel's own controller (besides none).</summary>
    public const string OwnClass = "timonel.io/service-lb";

    /// <summary>Upstream's label for nodes that must not carry load-balancer traffic.</summary>
    public const string ExcludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

    /// <summary>The candidate that announces <paramref name="address"/>; null when there is none.</summary>
    public static string? Winner(string address, IEnumerable<string> candidates)
    {
        string? best = null;
        byte[]? bestHash = null;
        foreach (var node in candidates)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(node + "#" + address));
            var order = bestHash is null ? 1 : hash.AsSpan().SequenceCompareTo(bestHash);
            if (order > 0 || (order == 0 && string.CompareOrdinal(node, best) > 0))
            {
                (best, bestHash) = (node, hash);
            }
        }
        return best;
    }

    /// <summary>
    /// Every announced address and its node. <paramref name="slicesOf"/> gives a Service's
    /// EndpointSlices (only read for Local policy). Objects are read, never changed.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Assignments(IEnumerable<V1Service> services,
        Func<V1Service, IEnumerable<V1EndpointSlice>> slicesOf, IEnumerable<V1Node> nodes)
    {
        var eligible = nodes.Where(IsEligible).Select(n => n.Metadata.Name).Order(StringComparer.Ordinal).ToList();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (!IsAnnounced(service))
            {
                continue;
            }
            IReadOnlyCollection<string> candidates = eligible;
            if (service.Spec.ExternalTrafficPolicy == "Local")
            {
                var withEndpoint = ReadyEndpointNodes(slicesOf(service));
                candidates = eligible.Where(withEndpoint.Contains).ToList();
            }
            foreach (var ingress in service.Status.LoadBalancer.Ingress)
            {
                if (ingress.Ip is { Length: > 0 } address && System.Net.IPAddress.TryParse(address, out var parsed)
                    && parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                    && Winner(address, candidates) is { } winner)
                {
                    result[address] = winner;
                }
            }
        }
        return result;
    }

    private static bool IsAnnounced(V1Service service) =>
        service.Spec?.Type == "LoadBalancer"
        && service.Spec.LoadBalancerClass is null or "" or OwnClass
        && service.Status?.LoadBalancer?.Ingress is { Count: > 0 };

    private static bool IsEligible(V1Node node) =>
        node.Metadata.DeletionTimestamp is null
        && node.Metadata.Labels?.ContainsKey(ExcludeLabel) != true
        && node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "True";

    /// <summary>Nodes with an endpoint that is ready (an absent condition means ready, as the API says).</summary>
    private static HashSet<string> ReadyEndpointNodes(IEnumerable<V1EndpointSlice> slices) =>
        slices.SelectMany(s => s.Endpoints ?? [])
            .Where(e => e.NodeName is { Length: > 0 } && e.Conditions?.Ready != false)
            .Select(e => e.NodeName)
            .ToHashSet(StringComparer.Ordinal);
}
