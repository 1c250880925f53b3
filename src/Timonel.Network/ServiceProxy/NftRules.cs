using System.Globalization;

namespace Timonel.Network.ServiceProxy;

/// <summary>
/// The pure model: service ports and the node → the per-service part of the table, as
/// kube-proxy's nftables mode lays it out.
/// <list type="bullet">
/// <item>A cluster IP (or external / load-balancer IP) port is an element of the service-ips
/// verdict map, a NodePort an element of service-nodeports; both lead to a chain of the service.</item>
/// <item>service-X spreads over the cluster endpoints (ready ones; serving-and-terminating ones
/// only when none is ready) with numgen random mod N; local-X does the same over this node's;
/// external-X decides masquerading and the policy for external destinations.</item>
/// <item>endpoint-X DNATs, and marks hairpin traffic (an endpoint reaching its own service) for
/// masquerade.</item>
/// <item>A destination without usable endpoint goes to no-endpoint-services / -nodeports: reject
/// when the service has no endpoint at all, drop when it only has none for a Local policy.</item>
/// </list>
/// </summary>
public static class NftRules
{
    private const string Reject = "goto " + NftNames.RejectChain;
    private const string Drop = "drop";

    public static NftState Build(ProxyNode node, IEnumerable<ServicePortInfo> ports)
    {
        var builder = new Builder(node);
        foreach (var port in ports)
        {
            builder.Add(port);
        }
        return builder.ToState();
    }

    private sealed class Builder(ProxyNode node)
    {
        private readonly SortedDictionary<string, IReadOnlyList<string>> _chains = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SortedDictionary<string, string>> _maps =
            NftNames.Maps.ToDictionary(m => m, _ => new SortedDictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
        private readonly SortedSet<string> _clusterIps = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, int> _affinitySets = new(StringComparer.Ordinal);

        public void Add(ServicePortInfo port)
        {
            var cluster = Usable(port.Endpoints);
            var local = Usable(port.Endpoints.Where(e => e.IsLocal));
            var internalEndpoints = port.InternalPolicyLocal ? local : cluster;
            var externalEndpoints = port.ExternalPolicyLocal ? local : cluster;
            var external = port.HasExternalDestinations && externalEndpoints.Count > 0;
            // Local endpoints are a subset of the cluster ones (same fallback), so the service
            // chain exists whenever any chain of the service exists.
            var needServiceChain = (!port.InternalPolicyLocal && cluster.Count > 0) || external;
            var needLocalChain = local.Count > 0 && (port.InternalPolicyLocal || (external && port.ExternalPolicyLocal));

            var serviceChain = NftNames.ServiceChain(port);
            var localChain = NftNames.LocalChain(port);
            var internalChain = port.InternalPolicyLocal ? localChain : serviceChain;
            var protocol = port.ProtocolName;
            var clusterKey = $"{port.ClusterIp} . {protocol} . {Num(port.Port)}";
            _clusterIps.Add(port.ClusterIp!);

            if (needServiceChain)
            {
                var rules = new List<string>();
                if (internalChain == serviceChain)
                {
                    AddClusterIpMasquerade(port, rules);
                }
                AddSpread(port, cluster, rules);
                _chains[serviceChain] = rules;
            }
            if (needLocalChain)
            {
                var rules = new List<string>();
                if (internalChain == localChain)
                {
                    AddClusterIpMasquerade(port, rules);
                }
                AddSpread(port, local, rules);
                _chains[localChain] = rules;
            }
            foreach (var endpoint in (needServiceChain ? cluster : []).Union(needLocalChain ? local : []))
            {
                AddEndpointChain(port, endpoint);
            }

            var noEndpointVerdict = cluster.Count == 0 ? Reject : Drop;
            if (internalEndpoints.Count > 0)
            {
                _maps[NftNames.ServiceIpsMap][clusterKey] = "goto " + internalChain;
            }
            else
            {
                _maps[NftNames.NoEndpointServicesMap][clusterKey] = noEndpointVerdict;
            }

            if (!port.HasExternalDestinations)
            {
                return;
            }
            if (external)
            {
                var externalChain = NftNames.ExternalChain(port);
                _chains[externalChain] = ExternalRules(port, serviceChain, localChain);
                Route(port, "goto " + externalChain, NftNames.ServiceIpsMap, NftNames.NodePortsMap);
            }
            else
            {
                Route(port, noEndpointVerdict, NftNames.NoEndpointServicesMap, NftNames.NoEndpointNodePortsMap);
            }
        }

        public NftState ToState() => new(
            _chains,
            _maps.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, string>)kv.Value, StringComparer.Ordinal),
            _clusterIps,
            _affinitySets);

        private void Route(ServicePortInfo port, string verdict, string ipMap, string nodePortMap)
        {
            foreach (var ip in port.ExternalIps)
            {
                _maps[ipMap][$"{ip} . {port.ProtocolName} . {Num(port.Port)}"] = verdict;
            }
            if (port.NodePort > 0)
            {
                _maps[nodePortMap][$"{port.ProtocolName} . {Num(port.NodePort)}"] = verdict;
            }
        }

        /// <summary>
        /// Cluster policy: always masquerade (the node may forward to another node, whose reply
        /// must come back through this one). Local policy keeps the client's address, except for
        /// pods and the node itself, which are short-circuited to the cluster-wide spread.
        /// </summary>
        private List<string> ExternalRules(ServicePortInfo port, string serviceChain, string localChain)
        {
            if (!port.ExternalPolicyLocal)
            {
                return [$"jump {NftNames.MarkForMasquerade}", $"goto {serviceChain}"];
            }
            var rules = new List<string>();
            if (node.ClusterCidr.Length > 0)
            {
                rules.Add($"ip saddr {node.ClusterCidr} goto {serviceChain}");
            }
            rules.Add($"fib saddr type local jump {NftNames.MarkForMasquerade}");
            rules.Add($"fib saddr type local goto {serviceChain}");
            rules.Add($"goto {localChain}");
            return rules;
        }

        /// <summary>
        /// Traffic to a cluster IP from outside the pod network (the node itself, another host)
        /// would get its reply straight from the pod, unknown to the client: masquerade it.
        /// </summary>
        private void AddClusterIpMasquerade(ServicePortInfo port, List<string> rules)
        {
            var match = $"ip daddr {port.ClusterIp} {port.ProtocolName} dport {Num(port.Port)}";
            if (node.MasqueradeAll)
            {
                rules.Add($"{match} jump {NftNames.MarkForMasquerade}");
            }
            else if (node.ClusterCidr.Length > 0)
            {
                rules.Add($"{match} ip saddr != {node.ClusterCidr} jump {NftNames.MarkForMasquerade}");
            }
        }

        /// <summary>Affinity first (a known client goes back to its endpoint), then an even random pick.</summary>
        private void AddSpread(ServicePortInfo port, IReadOnlyList<ProxyEndpoint> endpoints, List<string> rules)
        {
            if (port.AffinityTimeoutSeconds is not null)
            {
                foreach (var endpoint in endpoints)
                {
                    rules.Add($"ip saddr @{NftNames.AffinitySet(port, endpoint)} goto {NftNames.EndpointChain(port, endpoint)}");
                }
            }
            var choices = string.Join(", ", endpoints.Select((e, i) => $"{Num(i)} : goto {NftNames.EndpointChain(port, e)}"));
            rules.Add($"numgen random mod {Num(endpoints.Count)} vmap {{ {choices} }}");
        }

        private void AddEndpointChain(ServicePortInfo port, ProxyEndpoint endpoint)
        {
            var rules = new List<string> { $"ip saddr {endpoint.Address} jump {NftNames.MarkForMasquerade}" };
            if (port.AffinityTimeoutSeconds is { } timeout)
            {
                var set = NftNames.AffinitySet(port, endpoint);
                _affinitySets[set] = timeout;
                rules.Add($"update @{set} {{ ip saddr }}");
            }
            rules.Add($"meta l4proto {port.ProtocolName} dnat to {endpoint.Address}:{Num(endpoint.Port)}");
            _chains[NftNames.EndpointChain(port, endpoint)] = rules;
        }

        /// <summary>Ready endpoints; when none is ready, the serving ones that are terminating (upstream's fallback).</summary>
        private static List<ProxyEndpoint> Usable(IEnumerable<ProxyEndpoint> endpoints)
        {
            var all = endpoints as IReadOnlyCollection<ProxyEndpoint> ?? [.. endpoints];
            var ready = all.Where(e => e.Ready).ToList();
            return ready.Count > 0 ? ready : [.. all.Where(e => e.Serving && e.Terminating)];
        }
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
