using System.Text.Json;

namespace Timonel.Network.ServiceProxy;

/// <summary>
/// Compares `nft -j list table ip timonel` with what the proxy last wrote: the chains by name,
/// the number of rules of each, and the number of elements of each managed map and of the
/// cluster-ips set. Counting is enough to notice what happens in practice (a flushed or
/// deleted table, a deleted chain or element) without parsing nft's rule expressions.
/// Affinity sets are not compared: the kernel fills them.
/// </summary>
public static class NftTableCheck
{
    /// <summary>Null when the table matches; otherwise what differs first.</summary>
    public static string? Mismatch(string listJson, NftState written)
    {
        var chains = new Dictionary<string, int>(StringComparer.Ordinal);
        var elements = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(listJson))
        {
            foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
            {
                if (item.TryGetProperty("chain", out var chain))
                {
                    chains.TryAdd(chain.GetProperty("name").GetString()!, 0);
                }
                else if (item.TryGetProperty("rule", out var rule))
                {
                    var name = rule.GetProperty("chain").GetString()!;
                    chains[name] = chains.GetValueOrDefault(name) + 1;
                }
                else if (item.TryGetProperty("map", out var map) || item.TryGetProperty("set", out map))
                {
                    elements[map.GetProperty("name").GetString()!] = map.TryGetProperty("elem", out var elem) ? elem.GetArrayLength() : 0;
                }
            }
        }
        var expected = NftBaseTable.Chains.ToDictionary(c => c.Name, c => c.Rules.Count, StringComparer.Ordinal);
        foreach (var (name, rules) in written.Chains)
        {
            expected[name] = rules.Count;
        }
        if (chains.Count != expected.Count)
        {
            return $"{chains.Count} chains, expected {expected.Count}";
        }
        foreach (var (name, count) in expected)
        {
            if (!chains.TryGetValue(name, out var actual) || actual != count)
            {
                return $"chain {name}: {(chains.ContainsKey(name) ? actual + " rules" : "missing")}, expected {count} rules";
            }
        }
        foreach (var map in NftNames.Maps)
        {
            if (elements.GetValueOrDefault(map, -1) != written.Maps[map].Count)
            {
                return $"map {map}: {elements.GetValueOrDefault(map, -1)} elements, expected {written.Maps[map].Count}";
            }
        }
        if (elements.GetValueOrDefault(NftNames.ClusterIpsSet, -1) != written.ClusterIps.Count)
        {
            return $"set {NftNames.ClusterIpsSet}: {elements.GetValueOrDefault(NftNames.ClusterIpsSet, -1)} elements, expected {written.ClusterIps.Count}";
        }
        return written.AffinitySets.Keys.FirstOrDefault(s => !elements.ContainsKey(s)) is { } missingSet ? $"set {missingSet} missing" : null;
    }
}
