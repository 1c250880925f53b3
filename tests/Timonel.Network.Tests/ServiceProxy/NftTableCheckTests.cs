using System.Text.Json.Nodes;
using Timonel.Network.ServiceProxy;
using static Timonel.Network.Tests.ServiceProxy.Fixtures;

namespace Timonel.Network.Tests.ServiceProxy;

/// <summary>The drift check against `nft -j list table` output built here from a state, then damaged.</summary>
public sealed class NftTableCheckTests
{
    private static readonly NftState State = NftRules.Build(Node, [Port("web", "10.96.0.10", Ready("10.244.1.2"), Ready("10.244.2.2")), Port("api", "10.96.0.20")]);

    [Fact]
    public void The_listing_of_what_was_written_matches()
    {
        Assert.Null(NftTableCheck.Mismatch(Listing(State).ToJsonString(), State));
    }

    [Fact]
    public void A_flushed_table_a_missing_chain_or_a_lost_element_is_noticed()
    {
        var flushed = Listing(State);
        var items = flushed["nftables"]!.AsArray();
        foreach (var rule in items.Where(i => i!["rule"] is not null).ToList())
        {
            items.Remove(rule);
        }
        Assert.NotNull(NftTableCheck.Mismatch(flushed.ToJsonString(), State));

        var chainGone = Listing(State);
        var chains = chainGone["nftables"]!.AsArray();
        chains.Remove(chains.First(i => i!["chain"]?["name"]?.GetValue<string>() == NftNames.ServiceChain(Port("web"))));
        Assert.Contains("chains", NftTableCheck.Mismatch(chainGone.ToJsonString(), State), StringComparison.Ordinal);

        var elementGone = Listing(State);
        elementGone["nftables"]!.AsArray().First(i => i!["map"]?["name"]?.GetValue<string>() == NftNames.NoEndpointServicesMap)!["map"]!["elem"] = new JsonArray();
        Assert.Contains(NftNames.NoEndpointServicesMap, NftTableCheck.Mismatch(elementGone.ToJsonString(), State), StringComparison.Ordinal);
    }

    /// <summary>The shape nft 1.0.6 prints (only the fields the check reads).</summary>
    private static JsonObject Listing(NftState state)
    {
        var items = new JsonArray { new JsonObject { ["metainfo"] = new JsonObject() }, new JsonObject { ["table"] = new JsonObject { ["name"] = "timonel" } } };
        foreach (var map in NftNames.Maps)
        {
            items.Add(new JsonObject { ["map"] = new JsonObject { ["name"] = map, ["elem"] = new JsonArray([.. state.Maps[map].Keys.Select(k => (JsonNode)JsonValue.Create(k))]) } });
        }
        items.Add(new JsonObject { ["set"] = new JsonObject { ["name"] = NftNames.ClusterIpsSet, ["elem"] = new JsonArray([.. state.ClusterIps.Select(ip => (JsonNode)JsonValue.Create(ip))]) } });
        var chains = NftBaseTable.Chains.Select(c => (c.Name, c.Rules)).Concat(state.Chains.Select(c => (Name: c.Key, Rules: c.Value))).ToList();
        foreach (var (name, _) in chains)
        {
            items.Add(new JsonObject { ["chain"] = new JsonObject { ["name"] = name } });
        }
        foreach (var (name, rules) in chains)
        {
            foreach (var _ in rules)
            {
                items.Add(new JsonObject { ["rule"] = new JsonObject { ["chain"] = name } });
            }
        }
        return new JsonObject { ["nftables"] = items };
    }
}
