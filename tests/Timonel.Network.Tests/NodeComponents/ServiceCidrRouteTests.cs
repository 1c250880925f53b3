using System.Net;
using Timonel.Network.NodeComponents;

namespace Timonel.Network.Tests.NodeComponents;

public sealed class ServiceCidrRouteTests
{
    private const string Addresses = """
        1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
        2: eth0    inet 10.213.0.11/24 brd 10.213.0.255 scope global eth0\       valid_lft forever preferred_lft forever
        5: timonel0    inet 10.42.0.1/24 brd 10.42.0.255 scope global timonel0\       valid_lft forever preferred_lft forever
        """;

    /// <summary>Answers `ip` as a node would and records every command it was given.</summary>
    private sealed class FakeIp(string defaults, string addresses) : IIpRunner
    {
        public List<string> Commands { get; } = [];

        public Task<IpResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken ct)
        {
            var line = string.Join(' ', arguments);
            Commands.Add(line);
            return Task.FromResult(line switch
            {
                "-4 route show default" => new IpResult(0, defaults, ""),
                "-4 -o address show" => new IpResult(0, addresses, ""),
                _ when line.Contains("route replace", StringComparison.Ordinal) => new IpResult(0, "", ""),
                _ => new IpResult(1, "", "unexpected"),
            });
        }
    }

    [Fact]
    public async Task A_node_without_default_route_routes_the_service_range_out_of_its_node_ip_interface()
    {
        var ip = new FakeIp("", Addresses);
        var outcome = await new ServiceCidrRoute(ip, "10.43.0.0/16", IPAddress.Parse("10.213.0.11")).EnsureAsync(CancellationToken.None);
        Assert.Equal("-4 route replace 10.43.0.0/16 dev eth0 src 10.213.0.11", ip.Commands[^1]);
        Assert.Contains("route replace", outcome);
    }

    [Fact]
    public async Task A_node_with_a_default_route_is_left_alone()
    {
        var ip = new FakeIp("default via 10.213.0.1 dev eth0 \n", Addresses);
        var outcome = await new ServiceCidrRoute(ip, "10.43.0.0/16", IPAddress.Parse("10.213.0.11")).EnsureAsync(CancellationToken.None);
        Assert.DoesNotContain(ip.Commands, c => c.Contains("replace", StringComparison.Ordinal));
        Assert.Equal("the node has a default route", outcome);
    }

    [Fact]
    public async Task A_node_ip_on_no_interface_adds_nothing_and_says_so()
    {
        var ip = new FakeIp("", Addresses);
        var outcome = await new ServiceCidrRoute(ip, "10.43.0.0/16", IPAddress.Parse("192.0.2.7")).EnsureAsync(CancellationToken.None);
        Assert.DoesNotContain(ip.Commands, c => c.Contains("replace", StringComparison.Ordinal));
        Assert.Contains("192.0.2.7", outcome);
    }

    [Fact]
    public void Interface_names_come_from_the_line_of_the_exact_address()
    {
        Assert.Equal("timonel0", ServiceCidrRoute.InterfaceOf(Addresses, IPAddress.Parse("10.42.0.1")));
        Assert.Equal("veth-a", ServiceCidrRoute.InterfaceOf("7: veth-a@if6    inet 10.0.0.2/30 scope global veth-a", IPAddress.Parse("10.0.0.2")));
        Assert.Null(ServiceCidrRoute.InterfaceOf(Addresses, IPAddress.Parse("10.213.0.1")));
    }
}
