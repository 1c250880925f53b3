using Timonel.Network.ServiceProxy;
using static Timonel.Network.Tests.ServiceProxy.Fixtures;

namespace Timonel.Network.Tests.ServiceProxy;

public sealed class NftTransactionTests
{
    private static readonly ServicePortInfo Web = Port("web", "10.96.0.10", Ready("10.244.1.2"), Ready("10.244.2.2"));
    private static readonly ServicePortInfo Api = Port("api", "10.96.0.20", Ready("10.244.1.5"));

    [Fact]
    public void Nothing_changed_gives_an_empty_transaction()
    {
        var state = NftRules.Build(Node, [Web, Api]);
        Assert.Equal("", NftTransaction.Incremental(state, NftRules.Build(Node, [Web, Api])));
    }

    [Fact]
    public void One_endpoint_added_rewrites_only_that_service_chain_and_adds_its_endpoint_chain()
    {
        var before = NftRules.Build(Node, [Web, Api]);
        var grown = Web with { Endpoints = [.. Web.Endpoints, Ready("10.244.3.2")] };
        var script = NftTransaction.Incremental(before, NftRules.Build(Node, [grown, Api]))!;

        var lines = script.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var newEndpoint = NftNames.EndpointChain(grown, grown.Endpoints[2]);
        var serviceChain = NftNames.ServiceChain(grown);
        Assert.Equal(
        [
            $"add chain ip timonel {newEndpoint}",
            $"flush chain ip timonel {serviceChain}",
            $"add rule ip timonel {newEndpoint} ip saddr 10.244.3.2 jump mark-for-masquerade",
            $"add rule ip timonel {newEndpoint} meta l4proto tcp dnat to 10.244.3.2:8080",
        ], lines.Take(4));
        Assert.All(lines.Skip(4), l => Assert.StartsWith($"add rule ip timonel {serviceChain} ", l, StringComparison.Ordinal));
        Assert.Contains("numgen random mod 3", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("demo/api", script, StringComparison.Ordinal);
        Assert.DoesNotContain("element", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Removed_service_loses_its_map_element_and_chains_and_nothing_else()
    {
        var before = NftRules.Build(Node, [Web, Api]);
        var script = NftTransaction.Incremental(before, NftRules.Build(Node, [Api]))!;

        var webChains = before.Chains.Keys.Where(c => c.Contains("demo/web/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, webChains.Count);
        var expected = new List<string>
        {
            "delete element ip timonel service-ips { 10.96.0.10 . tcp . 80 }",
            "delete element ip timonel cluster-ips { 10.96.0.10 }",
        };
        expected.AddRange(webChains.Select(c => $"flush chain ip timonel {c}"));
        expected.AddRange(webChains.Select(c => $"delete chain ip timonel {c}"));
        Assert.Equal(expected, script.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Last_endpoint_gone_moves_the_service_to_reject_and_drops_its_chains()
    {
        var before = NftRules.Build(Node, [Web]);
        var script = NftTransaction.Incremental(before, NftRules.Build(Node, [Web with { Endpoints = [] }]))!;

        Assert.Contains("delete element ip timonel service-ips { 10.96.0.10 . tcp . 80 }", script, StringComparison.Ordinal);
        Assert.Contains("add element ip timonel no-endpoint-services { 10.96.0.10 . tcp . 80 : goto reject-chain }", script, StringComparison.Ordinal);
        Assert.Contains($"delete chain ip timonel {NftNames.ServiceChain(Web)}", script, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_affinity_timeout_asks_for_a_full_write()
    {
        var sticky = Web with { AffinityTimeoutSeconds = 60 };
        Assert.Null(NftTransaction.Incremental(NftRules.Build(Node, [sticky]), NftRules.Build(Node, [sticky with { AffinityTimeoutSeconds = 120 }])));
    }
}
