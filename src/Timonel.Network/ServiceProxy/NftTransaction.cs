using System.Text;

namespace Timonel.Network.ServiceProxy;

/// <summary>
/// Scripts for `nft -f -`; nft applies a script as one transaction (all or nothing).
/// <see cref="Full"/> rebuilds the table from nothing; <see cref="Incremental"/> turns the last
/// written state into the wanted one touching only what differs. Order inside an incremental
/// script matters: new sets and chains exist before rules and map elements refer to them, and
/// chains are flushed (dropping their references) before any chain is deleted.
/// </summary>
public static class NftTransaction
{
    private const int ElementsPerStatement = 1000;
    private const string Q = NftNames.Qualified;

    public static string Full(NftState state)
    {
        var script = new StringBuilder();
        // Adding first makes the delete valid when the table does not exist yet.
        script.Append("add table ").AppendLine(Q);
        script.Append("delete table ").AppendLine(Q);
        script.Append("add table ").AppendLine(Q);
        foreach (var line in NftBaseTable.Declarations)
        {
            script.AppendLine(line);
        }
        foreach (var chain in NftBaseTable.Chains)
        {
            script.Append($"add chain {Q} {chain.Name}");
            script.AppendLine(chain.Hook is null ? "" : $" {{ {chain.Hook} }}");
        }
        foreach (var (name, timeout) in state.AffinitySets)
        {
            AddSet(script, name, timeout);
        }
        foreach (var name in state.Chains.Keys)
        {
            script.AppendLine($"add chain {Q} {name}");
        }
        foreach (var chain in NftBaseTable.Chains)
        {
            AddRules(script, chain.Name, chain.Rules);
        }
        foreach (var (name, rules) in state.Chains)
        {
            AddRules(script, name, rules);
        }
        foreach (var (map, elements) in state.Maps)
        {
            AddElements(script, "add", map, elements.Select(kv => $"{kv.Key} : {kv.Value}"));
        }
        AddElements(script, "add", NftNames.ClusterIpsSet, state.ClusterIps);
        return script.ToString();
    }

    /// <summary>
    /// The script from <paramref name="written"/> to <paramref name="wanted"/>: empty when they are
    /// equal; null when the change needs a full sync (an affinity timeout changed: a set's
    /// timeout cannot be changed in place).
    /// </summary>
    public static string? Incremental(NftState written, NftState wanted)
    {
        if (wanted.AffinitySets.Any(s => written.AffinitySets.TryGetValue(s.Key, out var t) && t != s.Value))
        {
            return null;
        }
        var script = new StringBuilder();
        foreach (var (name, timeout) in wanted.AffinitySets.Where(s => !written.AffinitySets.ContainsKey(s.Key)))
        {
            AddSet(script, name, timeout);
        }
        var added = wanted.Chains.Where(c => !written.Chains.ContainsKey(c.Key)).ToList();
        var changed = wanted.Chains.Where(c => written.Chains.TryGetValue(c.Key, out var old) && !old.SequenceEqual(c.Value, StringComparer.Ordinal)).ToList();
        var removed = written.Chains.Keys.Where(name => !wanted.Chains.ContainsKey(name)).ToList();
        foreach (var (name, _) in added)
        {
            script.AppendLine($"add chain {Q} {name}");
        }
        foreach (var (name, _) in changed)
        {
            script.AppendLine($"flush chain {Q} {name}");
        }
        foreach (var (name, rules) in added.Concat(changed))
        {
            AddRules(script, name, rules);
        }
        foreach (var map in NftNames.Maps)
        {
            var before = written.Maps[map];
            var after = wanted.Maps[map];
            AddElements(script, "delete", map, before.Where(kv => !after.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key));
            AddElements(script, "add", map, after.Where(kv => !before.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => $"{kv.Key} : {kv.Value}"));
        }
        AddElements(script, "delete", NftNames.ClusterIpsSet, written.ClusterIps.Where(ip => !wanted.ClusterIps.Contains(ip)));
        AddElements(script, "add", NftNames.ClusterIpsSet, wanted.ClusterIps.Where(ip => !written.ClusterIps.Contains(ip)));
        foreach (var name in removed)
        {
            script.AppendLine($"flush chain {Q} {name}");
        }
        foreach (var name in removed)
        {
            script.AppendLine($"delete chain {Q} {name}");
        }
        foreach (var name in written.AffinitySets.Keys.Where(s => !wanted.AffinitySets.ContainsKey(s)))
        {
            script.AppendLine($"delete set {Q} {name}");
        }
        return script.ToString();
    }

    private static void AddSet(StringBuilder script, string name, int timeoutSeconds) =>
        script.AppendLine($"add set {Q} {name} {{ type ipv4_addr; flags dynamic,timeout; timeout {timeoutSeconds}s; }}");

    private static void AddRules(StringBuilder script, string chain, IEnumerable<string> rules)
    {
        foreach (var rule in rules)
        {
            script.AppendLine($"add rule {Q} {chain} {rule}");
        }
    }

    private static void AddElements(StringBuilder script, string verb, string target, IEnumerable<string> elements)
    {
        foreach (var chunk in elements.Chunk(ElementsPerStatement))
        {
            script.AppendLine($"{verb} element {Q} {target} {{ {string.Join(", ", chunk)} }}");
        }
    }
}
