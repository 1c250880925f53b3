using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>
/// One topologySpreadConstraint compiled for a cycle. A class, not a record: the selector key is
/// derived from the selector and must never be copied onto another selector by <c>with</c>.
/// </summary>
internal sealed class SpreadConstraint(string topologyKey, int maxSkew, int minDomains, LabelSelector selector, bool hard)
{
    public string TopologyKey { get; } = topologyKey;
    public int MaxSkew { get; } = maxSkew;
    public int MinDomains { get; } = minDomains;
    public LabelSelector Selector { get; } = selector;
    public bool Hard { get; } = hard;

    public const string Hostname = "kubernetes.io/hostname";

    public const string Zone = "topology.kubernetes.io/zone";

    /// <summary>
    /// The pod's own constraints of one kind. A pod without any constraints gets the system
    /// defaults when its workload's selector is known: hostname maxSkew 3 and zone maxSkew 5,
    /// both ScheduleAnyway (so they only score).
    /// </summary>
    public static List<SpreadConstraint> From(PodInfo pod, bool hard, WorkloadSelectors? defaults = null)
    {
        var result = new List<SpreadConstraint>();
        if (pod.Pod.Spec?.TopologySpreadConstraints is not { Count: > 0 })
        {
            if (!hard && defaults?.For(pod) is { } selector)
            {
                result.Add(new SpreadConstraint(Hostname, 3, 1, selector, false));
                result.Add(new SpreadConstraint(Zone, 5, 1, selector, false));
            }
            return result;
        }
        foreach (var c in pod.Pod.Spec?.TopologySpreadConstraints ?? [])
        {
            var isHard = c.WhenUnsatisfiable != "ScheduleAnyway";
            if (isHard == hard)
            {
                result.Add(new SpreadConstraint(c.TopologyKey, c.MaxSkew, c.MinDomains ?? 1, LabelSelector.FromModel(c.LabelSelector), isHard));
            }
        }
        return result;
    }

    /// <summary>Pods that count for this constraint: same namespace, selector matches, not terminating.</summary>
    public bool Counts(PodInfo incoming, PodInfo existing) =>
        existing.Namespace == incoming.Namespace && existing.Pod.Metadata?.DeletionTimestamp is null && SelectorMatcher.Matches(Selector, existing.Labels);

    /// <summary>
    /// Canonical keys seen recently, so every cycle of one workload uses the same string instance
    /// and memo lookups compare references instead of characters. Cleared when large (a key that
    /// is not shared only costs a character compare).
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> SharedKeys = new(StringComparer.Ordinal);

    private string? _selectorKey;

    /// <summary>Canonical form of <see cref="Selector"/>, computed once (racing threads compute equal strings).</summary>
    public string SelectorKey => _selectorKey ??= Share(SelectorMatcher.CanonicalKey(Selector));

    private static string Share(string key)
    {
        if (SharedKeys.Count >= 1024)
        {
            SharedKeys.Clear();
        }
        return SharedKeys.GetOrAdd(key, key);
    }

    /// <summary>
    /// Pods on <paramref name="node"/> that count, memoized on the (immutable) NodeInfo so the pods
    /// of one workload scan each unchanged node once rather than once per scheduling cycle.
    /// </summary>
    public int CountOn(PodInfo incoming, NodeInfo node)
    {
        if (node.Pods.Length == 0)
        {
            return 0;
        }
        var key = SelectorKey;
        if (node.PodCounts.TryGet(incoming.Namespace, key, out var n))
        {
            return n;
        }
        n = Scan(incoming, node);
        node.PodCounts.Add(incoming.Namespace, key, n);
        return n;
    }

    /// <summary>The uncached count (tests compare the memo against it).</summary>
    public int Scan(PodInfo incoming, NodeInfo node)
    {
        var n = 0;
        foreach (var p in node.Pods)
        {
            if (Counts(incoming, p))
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>
    /// A node takes part in spreading when it carries every constraint's key and the pod's node
    /// selector/affinity accepts it (nodeAffinityPolicy Honor; taints are ignored by default).
    /// </summary>
    public static bool Eligible(PodInfo pod, NodeInfo node, List<SpreadConstraint> constraints)
    {
        foreach (var c in constraints)
        {
            if (!node.Labels.ContainsKey(c.TopologyKey))
            {
                return false;
            }
        }
        return NodeAffinity.NodeAffinityPlugin.Fits(pod.Pod, node.Name, node.Labels);
    }
}
