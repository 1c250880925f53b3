using System.Net;
using k8s.Models;
using Timonel.Network.Dns;

namespace Timonel.Network.Dns.Tests;

public sealed class KubeDnsEndpointSliceTests
{
    private static readonly IPAddress NodeIp = IPAddress.Parse("10.213.0.12");

    [Fact]
    public void A_node_publishes_its_ip_as_a_kube_dns_endpoint_on_both_transports_owned_by_its_node()
    {
        var slice = KubeDnsEndpointSlice.For("node-2", "uid-2", NodeIp);
        Assert.Equal(("kube-system", "kube-dns-node-2"), (slice.Metadata.NamespaceProperty, slice.Metadata.Name));
        Assert.Equal("kube-dns", slice.Metadata.Labels["kubernetes.io/service-name"]);
        Assert.Equal("agent.timonel.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.Equal(("Node", "node-2", "uid-2"), (slice.Metadata.OwnerReferences[0].Kind, slice.Metadata.OwnerReferences[0].Name, slice.Metadata.OwnerReferences[0].Uid));
        var endpoint = Assert.Single(slice.Endpoints);
        Assert.Equal(["10.213.0.12"], endpoint.Addresses);
        Assert.Equal("node-2", endpoint.NodeName);
        Assert.True(endpoint.Conditions.Ready);
        Assert.Equal(["dns/UDP/53", "dns-tcp/TCP/53"], slice.Ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}"));
    }

    [Fact]
    public void An_unchanged_slice_needs_no_write_whatever_its_conditions()
    {
        var existing = KubeDnsEndpointSlice.For("node-2", "uid-2", NodeIp);
        existing.Metadata.ResourceVersion = "7";
        existing.Endpoints[0].Conditions = new V1EndpointConditions { Ready = false, Serving = false, Terminating = false };
        Assert.Null(KubeDnsEndpointSlice.Updated(existing, KubeDnsEndpointSlice.For("node-2", "uid-2", NodeIp)));
    }

    [Fact]
    public void A_changed_address_or_owner_is_rewritten_keeping_the_conditions_the_controller_set()
    {
        var existing = KubeDnsEndpointSlice.For("node-2", "old-uid", IPAddress.Parse("10.213.0.99"));
        existing.Metadata.ResourceVersion = "7";
        existing.Endpoints[0].Conditions = new V1EndpointConditions { Ready = false, Serving = false, Terminating = false };
        var update = KubeDnsEndpointSlice.Updated(existing, KubeDnsEndpointSlice.For("node-2", "uid-2", NodeIp));
        Assert.NotNull(update);
        Assert.Equal("7", update.Metadata.ResourceVersion);
        Assert.Equal(["10.213.0.12"], update.Endpoints[0].Addresses);
        Assert.Equal("uid-2", update.Metadata.OwnerReferences[0].Uid);
        Assert.False(update.Endpoints[0].Conditions.Ready);
    }
}
