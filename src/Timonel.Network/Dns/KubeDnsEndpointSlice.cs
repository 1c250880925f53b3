using System.Net;
using k8s.Models;

namespace Timonel.Network.Dns;

/// <summary>
/// The EndpointSlice by which one node's DNS server is an endpoint of `kube-system/kube-dns`.
/// The Service has no selector (the EndpointSlice controller leaves it alone); every agent owns
/// one slice `kube-dns-NODE`, labelled with the Service's name and managed-by
/// <see cref="ManagedBy"/>, owned by its Node (deleting the Node deletes it). The agent writes
/// the address, node name and ports; the server's node-endpoints controller owns the
/// conditions (ready follows the Node's Ready condition), so a dead node stops getting queries.
/// </summary>
public static class KubeDnsEndpointSlice
{
    public const string Namespace = "kube-system";
    public const string ServiceName = "kube-dns";
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";

    /// <summary>The managed-by value of slices agents publish for their own node (read by the node-endpoints controller).</summary>
    public const string ManagedBy = "agent.timonel.io";

    public static string NameFor(string nodeName) => ServiceName + "-" + nodeName;

    /// <summary>The wanted slice; conditions ready and serving, as a node whose DNS just answered is.</summary>
    public static V1EndpointSlice For(string nodeName, string nodeUid, IPAddress nodeIp) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = NameFor(nodeName),
            NamespaceProperty = Namespace,
            Labels = new Dictionary<string, string> { [ServiceNameLabel] = ServiceName, [ManagedByLabel] = ManagedBy },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = nodeName, Uid = nodeUid }],
        },
        AddressType = "IPv4",
        Endpoints =
        [
            new V1Endpoint
            {
                Addresses = [nodeIp.ToString()],
                NodeName = nodeName,
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
            },
        ],
        Ports =
        [
            new Discoveryv1EndpointPort { Name = "dns", Port = 53, Protocol = "UDP" },
            new Discoveryv1EndpointPort { Name = "dns-tcp", Port = 53, Protocol = "TCP" },
        ],
    };

    /// <summary>
    /// <paramref name="existing"/> with what the agent owns set as in <paramref name="wanted"/>
    /// (labels, owner, addresses, node, ports), its conditions kept; null when nothing differs.
    /// </summary>
    public static V1EndpointSlice? Updated(V1EndpointSlice existing, V1EndpointSlice wanted)
    {
        var endpoint = existing.Endpoints is [var only] ? only : null;
        var wantedEndpoint = wanted.Endpoints[0];
        var same = endpoint is not null
            && endpoint.Addresses.SequenceEqual(wantedEndpoint.Addresses)
            && endpoint.NodeName == wantedEndpoint.NodeName
            && existing.AddressType == wanted.AddressType
            && PortsOf(existing) == PortsOf(wanted)
            && wanted.Metadata.Labels.All(l => existing.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value)
            && existing.Metadata.OwnerReferences?.Any(o => o.Uid == wanted.Metadata.OwnerReferences[0].Uid) == true;
        if (same)
        {
            return null;
        }
        var labels = new Dictionary<string, string>(existing.Metadata.Labels ?? new Dictionary<string, string>());
        foreach (var (key, value) in wanted.Metadata.Labels)
        {
            labels[key] = value;
        }
        return new V1EndpointSlice
        {
            ApiVersion = wanted.ApiVersion,
            Kind = wanted.Kind,
            Metadata = new V1ObjectMeta
            {
                Name = existing.Metadata.Name,
                NamespaceProperty = existing.Metadata.NamespaceProperty,
                ResourceVersion = existing.Metadata.ResourceVersion,
                Labels = labels,
                OwnerReferences = wanted.Metadata.OwnerReferences,
            },
            AddressType = wanted.AddressType,
            Endpoints = [new V1Endpoint
            {
                Addresses = wantedEndpoint.Addresses,
                NodeName = wantedEndpoint.NodeName,
                Conditions = endpoint?.Conditions ?? wantedEndpoint.Conditions,
            }],
            Ports = wanted.Ports,
        };
    }

    private static string PortsOf(V1EndpointSlice slice) =>
        string.Join(",", (slice.Ports ?? []).Select(p => $"{p.Name}/{p.Protocol}/{p.Port}").Order(StringComparer.Ordinal));
}
