using System.Net;
using Timonel.ApiServer.Hosting;

namespace Timonel.ApiServer.Tests.Hosting;

/// <summary>The `kubernetes` Service's endpoint must be an address pods can reach, not the node's own loopback.</summary>
public class AdvertiseAddressTests
{
    private static ApiServerOptions Listening(string first, params string[] more) => new()
    {
        DataDir = "/nonexistent",
        BindAddress = IPAddress.Parse(first),
        ExtraBindAddresses = more.Select(IPAddress.Parse).ToList(),
    };

    [Fact]
    public void The_first_address_that_is_not_loopback_is_advertised()
    {
        // As `timonel up` starts it: the kubeconfig's loopback first, then the bridge address.
        Assert.Equal("10.213.0.1", Bootstrap.AdvertiseAddress(Listening("127.0.0.1", "10.213.0.1", "10.214.0.1")));
        Assert.Equal("192.0.2.10", Bootstrap.AdvertiseAddress(Listening("192.0.2.10", "10.213.0.1")));
    }

    [Fact]
    public void Loopback_or_wildcard_only_falls_back_to_loopback()
    {
        Assert.Equal("127.0.0.1", Bootstrap.AdvertiseAddress(Listening("127.0.0.1")));
        Assert.Equal("127.0.0.1", Bootstrap.AdvertiseAddress(Listening("0.0.0.0")));
        Assert.Equal("127.0.0.1", Bootstrap.AdvertiseAddress(Listening("127.0.0.1", "::1")));
    }
}
