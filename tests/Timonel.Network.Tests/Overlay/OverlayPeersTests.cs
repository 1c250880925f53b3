using System.Net;
using k8s.Models;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Overlay;

public sealed class OverlayPeersTests
{
    private static readonly OverlayNode Self = OverlayNode.Parse("node-1", IPAddress.Parse("10.77.0.11"), "10.42.1.0/24", "10.42.0.0/16");

    internal static V1Node Node(string name, string? podCidr, string? mac, string? publicIp)
    {
        var annotations = new Dictionary<string, string>();
        if (mac is not null)
        {
            annotations[OverlayConstants.VtepMacAnnotation] = mac;
        }
        if (publicIp is not null)
        {
            annotations[OverlayConstants.PublicIpAnnotation] = publicIp;
        }
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
            Spec = new V1NodeSpec { PodCIDR = podCidr },
        };
    }

    [Fact]
    public void Every_other_published_node_is_a_peer_and_this_node_is_not()
    {
        var peers = OverlayPeers.From(
        [
            Node("node-3", "10.42.3.0/24", "0A:00:00:00:00:03", "10.77.0.13"),
            Node("node-1", "10.42.1.0/24", Self.VtepMac, "10.77.0.11"),
            Node("node-2", "10.42.2.0/24", "0a:00:00:00:00:02", "10.77.0.12"),
        ], Self);

        Assert.Equal(
        [
            new OverlayPeer("node-2", IPNetwork.Parse("10.42.2.0/24"), "0a:00:00:00:00:02", IPAddress.Parse("10.77.0.12")),
            new OverlayPeer("node-3", IPNetwork.Parse("10.42.3.0/24"), "0a:00:00:00:00:03", IPAddress.Parse("10.77.0.13")),
        ], peers);
        Assert.Equal(IPAddress.Parse("10.42.2.0"), peers[0].VtepIp);
    }

    [Theory]
    [InlineData(null, "0a:00:00:00:00:02", "10.77.0.12")] // no podCIDR yet
    [InlineData("10.42.2.0/24", null, "10.77.0.12")] // agent has not published yet
    [InlineData("10.42.2.0/24", "0a:00:00:00:00:02", null)]
    [InlineData("10.42.2.0/24", "not-a-mac", "10.77.0.12")]
    [InlineData("10.42.2.0/24", "01:00:5e:00:00:01", "10.77.0.12")] // multicast MAC
    [InlineData("10.42.2.0/24", "0a:00:00:00:00:02", "fd00::12")] // IPv6 underlay
    [InlineData("10.42.2.0/24", "0a:00:00:00:00:02", "10.77.0.11")] // our own address
    [InlineData("10.99.2.0/24", "0a:00:00:00:00:02", "10.77.0.12")] // outside the cluster CIDR
    [InlineData("10.42.1.0/25", "0a:00:00:00:00:02", "10.77.0.12")] // overlaps our pods
    [InlineData("10.42.0.0/16", "0a:00:00:00:00:02", "10.77.0.12")] // would cover our pods
    public void A_node_without_a_usable_pod_range_or_vtep_is_skipped(string? podCidr, string? mac, string? publicIp)
    {
        Assert.Empty(OverlayPeers.From([Node("node-2", podCidr, mac, publicIp)], Self));
    }

    [Fact]
    public void A_node_being_deleted_is_no_longer_a_peer()
    {
        var leaving = Node("node-2", "10.42.2.0/24", "0a:00:00:00:00:02", "10.77.0.12");
        leaving.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.Empty(OverlayPeers.From([leaving], Self));
    }

    [Fact]
    public void The_vtep_mac_is_stable_per_node_name_unicast_and_locally_administered()
    {
        var mac = OverlayNode.MacFor("node-1");
        Assert.Equal(mac, OverlayNode.MacFor("node-1"));
        Assert.NotEqual(mac, OverlayNode.MacFor("node-2"));
        var first = Convert.ToByte(mac[..2], 16);
        Assert.Equal(0, first & 1);
        Assert.Equal(2, first & 2);
        Assert.Equal(mac, OverlayPeers.NormalizeMac(mac.ToUpperInvariant()));
    }
}
