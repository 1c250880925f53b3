namespace Timonel.Network.ServiceProxy;

/// <summary>
/// The per-service part of Timonel's nftables table: what <see cref="NftRules"/> wants and what
/// the proxy last wrote. The fixed part (base chains, maps' declarations) is
/// <see cref="NftBaseTable"/>. Immutable once built; ordinal-sorted so scripts are stable.
/// </summary>
public sealed class NftState
{
    public static NftState Empty { get; } = new(
        new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal),
        NftNames.Maps.ToDictionary(m => m, _ => (IReadOnlyDictionary<string, string>)new SortedDictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal),
        new SortedSet<string>(StringComparer.Ordinal),
        new SortedDictionary<string, int>(StringComparer.Ordinal));

    public NftState(
        IReadOnlyDictionary<string, IReadOnlyList<string>> chains,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> maps,
        IReadOnlySet<string> clusterIps,
        IReadOnlyDictionary<string, int> affinitySets)
    {
        Chains = chains;
        Maps = maps;
        ClusterIps = clusterIps;
        AffinitySets = affinitySets;
    }

    /// <summary>Service, local, external and endpoint chains: name to rules (each rule's text after the chain name).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Chains { get; }

    /// <summary>The verdict maps of <see cref="NftNames.Maps"/>: map name to (key to verdict).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Maps { get; }

    /// <summary>Elements of the cluster-ips set (traffic to a cluster IP on no service port is rejected).</summary>
    public IReadOnlySet<string> ClusterIps { get; }

    /// <summary>Per-endpoint sets of client addresses for sessionAffinity ClientIP: name to timeout in seconds.</summary>
    public IReadOnlyDictionary<string, int> AffinitySets { get; }

    public int RuleCount => Chains.Values.Sum(r => r.Count);
}
