using System.Net;
using Timonel.Network.Overlay;

namespace Timonel.Network.Tests.Overlay;

/// <summary>Parsing of iproute2 6.1's JSON output (samples as printed by `ip -j` / `bridge -j` on a VXLAN device).</summary>
public sealed class KernelJsonTests
{
    [Fact]
    public void Only_gateway_routes_permanent_neighbours_and_remote_fdb_entries_are_the_overlays()
    {
        var routes = KernelJson.Routes("""
            [{"dst":"10.42.2.0/24","gateway":"10.42.2.0","flags":["onlink"]},{"dst":"10.42.1.0/24","protocol":"kernel","scope":"link","prefsrc":"10.42.1.0","flags":[]}]
            """);
        Assert.Equal([new OverlayRoute(IPNetwork.Parse("10.42.2.0/24"), IPAddress.Parse("10.42.2.0"))], routes);

        var neighbours = KernelJson.Neighbours("""
            [{"dst":"10.42.2.0","lladdr":"0A:00:00:00:00:02","state":["PERMANENT"]},{"dst":"10.42.5.0","state":["FAILED"]},{"dst":"10.42.6.0","lladdr":"0a:00:00:00:00:06","state":["STALE"]}]
            """);
        Assert.Equal([new OverlayNeighbour(IPAddress.Parse("10.42.2.0"), "0a:00:00:00:00:02")], neighbours);

        var fdb = KernelJson.Fdb("""
            [{"mac":"0a:00:00:00:00:02","dst":"10.77.0.12","flags":["self"],"state":"permanent"},{"mac":"33:33:00:00:00:01","flags":["self"],"state":"permanent"}]
            """);
        Assert.Equal([new OverlayFdbEntry("0a:00:00:00:00:02", IPAddress.Parse("10.77.0.12"))], fdb);
        Assert.Empty(KernelJson.Routes(""));
    }

    [Fact]
    public void The_underlay_is_the_interface_holding_the_node_ip()
    {
        const string addresses = """
            [{"ifname":"lo","mtu":65536,"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
             {"ifname":"eth0","mtu":9000,"addr_info":[{"family":"inet","local":"10.77.0.12","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]
            """;
        Assert.Equal(("eth0", 9000), KernelJson.InterfaceWith(addresses, IPAddress.Parse("10.77.0.12")));
        Assert.Null(KernelJson.InterfaceWith(addresses, IPAddress.Parse("10.77.0.13")));
        Assert.Equal(["127.0.0.1/8"], KernelJson.Ipv4Addresses("""[{"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]}]"""));
    }

    [Fact]
    public void A_device_is_kept_only_when_every_vxlan_parameter_matches()
    {
        var node = OverlayNode.Parse("node-2", IPAddress.Parse("10.77.0.12"), "10.42.2.0/24", "10.42.0.0/16");
        string Link(int id, string local, string link, int port, bool learning, string mac) =>
            "[{\"ifname\":\"timonel.1\",\"address\":\"" + mac + "\",\"linkinfo\":{\"info_kind\":\"vxlan\",\"info_data\":{"
            + $"\"id\":{id},\"local\":\"{local}\",\"link\":\"{link}\",\"port\":{port},\"learning\":{(learning ? "true" : "false")}" + "}}}]";
        var wanted = KernelJson.WantedDevice(node, "eth0");
        Assert.Equal(wanted, KernelJson.DeviceParameters(Link(1, "10.77.0.12", "eth0", 8472, false, node.VtepMac)));
        Assert.NotEqual(wanted, KernelJson.DeviceParameters(Link(2, "10.77.0.12", "eth0", 8472, false, node.VtepMac)));
        Assert.NotEqual(wanted, KernelJson.DeviceParameters(Link(1, "10.77.0.99", "eth0", 8472, false, node.VtepMac)));
        Assert.NotEqual(wanted, KernelJson.DeviceParameters(Link(1, "10.77.0.12", "eth1", 8472, false, node.VtepMac)));
        Assert.NotEqual(wanted, KernelJson.DeviceParameters(Link(1, "10.77.0.12", "eth0", 4789, false, node.VtepMac)));
        Assert.NotEqual(wanted, KernelJson.DeviceParameters(Link(1, "10.77.0.12", "eth0", 8472, true, node.VtepMac)));
        Assert.NotEqual(wanted, KernelJson.DeviceParameters(Link(1, "10.77.0.12", "eth0", 8472, false, "0a:00:00:00:00:01")));
        Assert.Null(KernelJson.DeviceParameters("""[{"ifname":"timonel.1","linkinfo":{"info_kind":"bridge"}}]"""));
    }
}
