using k8s.Models;
using Timonel.Network.Dns;

namespace Timonel.Network.Dns.Tests;

public sealed class PodDnsConfigTests
{
    private static readonly ResolvConf Host = ResolvConf.Parse("""
        # written by the node's network setup
        nameserver 192.0.2.53
        nameserver 192.0.2.54
        search corp.example.test lab.example.test
        options timeout:2 attempts:3
        """);

    private static readonly NodeDnsSettings Node = new(["10.43.0.10"], "cluster.local", Host);

    private static V1Pod Pod(string? policy = null, bool hostNetwork = false, V1PodDNSConfig? config = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "demo" },
        Spec = new V1PodSpec { DnsPolicy = policy, HostNetwork = hostNetwork, DnsConfig = config, Containers = [] },
    };

    [Fact]
    public void Cluster_first_uses_the_cluster_server_its_search_path_and_ndots_5()
    {
        var conf = PodDnsConfig.For(Pod(), Node);
        Assert.Equal(["10.43.0.10"], conf.Servers);
        Assert.Equal(["demo.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example.test", "lab.example.test"], conf.Searches);
        Assert.Equal(["ndots:5"], conf.Options);
        Assert.Equal("search demo.svc.cluster.local svc.cluster.local cluster.local corp.example.test lab.example.test\nnameserver 10.43.0.10\noptions ndots:5\n", conf.Render());
    }

    [Fact]
    public void Default_is_the_node_file()
    {
        Assert.Equal(Host, PodDnsConfig.For(Pod("Default"), Node));
    }

    [Fact]
    public void Host_network_pods_get_the_node_file_unless_they_ask_for_the_cluster()
    {
        Assert.Equal(Host, PodDnsConfig.For(Pod("ClusterFirst", hostNetwork: true), Node));
        Assert.Equal(["10.43.0.10"], PodDnsConfig.For(Pod("ClusterFirstWithHostNet", hostNetwork: true), Node).Servers);
    }

    [Fact]
    public void Without_cluster_dns_cluster_first_falls_back_to_the_node_file()
    {
        Assert.Equal(Host, PodDnsConfig.For(Pod(), Node with { ClusterDnsServers = [] }));
    }

    [Fact]
    public void None_holds_only_the_pods_dns_config()
    {
        var conf = PodDnsConfig.For(Pod("None", config: new V1PodDNSConfig
        {
            Nameservers = ["198.51.100.1"],
            Searches = ["only.example.test"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "edns0" }],
        }), Node);
        Assert.Equal(new ResolvConf(["198.51.100.1"], ["only.example.test"], ["ndots:2", "edns0"]), conf);
        Assert.Equal(["198.51.100.1"], conf.Servers);
        Assert.Equal(["only.example.test"], conf.Searches);
        Assert.Equal(["ndots:2", "edns0"], conf.Options);
    }

    [Fact]
    public void Dns_config_appends_without_duplicates_and_overrides_options_by_name()
    {
        var conf = PodDnsConfig.For(Pod(config: new V1PodDNSConfig
        {
            Nameservers = ["10.43.0.10", "198.51.100.1"],
            Searches = ["svc.cluster.local", "extra.example.test"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "1" }, new V1PodDNSConfigOption { Name = "single-request" }],
        }), Node);
        Assert.Equal(["10.43.0.10", "198.51.100.1"], conf.Servers);
        Assert.Equal(["demo.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example.test", "lab.example.test", "extra.example.test"], conf.Searches);
        Assert.Equal(["ndots:1", "single-request"], conf.Options);
    }

    [Fact]
    public void Limits_keep_three_nameservers_and_32_search_domains()
    {
        var conf = PodDnsConfig.For(Pod("None", config: new V1PodDNSConfig
        {
            Nameservers = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"],
            Searches = Enumerable.Range(0, 40).Select(i => $"d{i}.example.test").ToList(),
        }), Node);
        Assert.Equal(3, conf.Servers.Count);
        Assert.Equal(32, conf.Searches.Count);
        Assert.Equal("d0.example.test", conf.Searches[0]);
    }

    [Fact]
    public void Parse_reads_what_glibc_reads()
    {
        var conf = ResolvConf.Parse("domain old.example.test\nsearch a.example.test. b.example.test ; trailing comment\nnameserver 127.0.0.53\nnameserver not-an-ip\noptions edns0 trust-ad\nbogus line here\n");
        Assert.Equal(["a.example.test", "b.example.test"], conf.Searches);
        Assert.Equal(["127.0.0.53", "not-an-ip"], conf.Servers);
        Assert.Equal(["127.0.0.53"], conf.ServerAddresses.Select(a => a.ToString()));
        Assert.Equal(["edns0", "trust-ad"], conf.Options);
        Assert.Empty(ResolvConf.Parse("search .\n").Searches);
    }
}
