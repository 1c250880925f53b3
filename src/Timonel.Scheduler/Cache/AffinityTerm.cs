using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// A pod (anti-)affinity term compiled once per pod: the namespaces it looks at, the label selector,
/// the topology key and, for preferred terms, the weight.
/// </summary>
public sealed class AffinityTerm
{
    private AffinityTerm(IReadOnlySet<string>? namespaces, LabelSelector selector, string topologyKey, int weight)
    {
        Namespaces = namespaces;
        Selector = selector;
        TopologyKey = topologyKey;
        Weight = weight;
    }

    /// <summary>Null means every namespace (an empty namespaceSelector).</summary>
    public IReadOnlySet<string>? Namespaces { get; }

    public LabelSelector Selector { get; }

    public string TopologyKey { get; }

    public int Weight { get; }

    /// <summary>Whether <paramref name="pod"/> is one of the pods this term refers to.</summary>
    public bool Matches(PodInfo pod) =>
        (Namespaces is null || Namespaces.Contains(pod.Namespace)) && SelectorMatcher.Matches(Selector, pod.Labels);

    public static AffinityTerm[] Compile(string ownNamespace, IList<V1PodAffinityTerm>? terms)
    {
        if (terms is null || terms.Count == 0)
        {
            return [];
        }
        var result = new AffinityTerm[terms.Count];
        for (var i = 0; i < terms.Count; i++)
        {
            result[i] = Compile(ownNamespace, terms[i], 1);
        }
        return result;
    }

    public static AffinityTerm[] Compile(string ownNamespace, IList<V1WeightedPodAffinityTerm>? terms)
    {
        if (terms is null || terms.Count == 0)
        {
            return [];
        }
        var result = new AffinityTerm[terms.Count];
        for (var i = 0; i < terms.Count; i++)
        {
            result[i] = Compile(ownNamespace, terms[i].PodAffinityTerm, terms[i].Weight);
        }
        return result;
    }

    // Namespaces: the listed ones; none listed and no namespaceSelector means the pod's own. A
    // namespaceSelector needs namespace labels the scheduler does not watch yet: an empty one
    // (all namespaces) is honoured, a non-empty one adds nothing beyond the listed names.
    private static AffinityTerm Compile(string ownNamespace, V1PodAffinityTerm term, int weight)
    {
        IReadOnlySet<string>? namespaces;
        var listed = term.Namespaces ?? [];
        if (listed.Count == 0 && term.NamespaceSelector is null)
        {
            namespaces = new HashSet<string>(StringComparer.Ordinal) { ownNamespace };
        }
        else if (term.NamespaceSelector is { } ns && (ns.MatchLabels?.Count ?? 0) == 0 && (ns.MatchExpressions?.Count ?? 0) == 0)
        {
            namespaces = null;
        }
        else
        {
            namespaces = new HashSet<string>(listed, StringComparer.Ordinal);
        }
        return new AffinityTerm(namespaces, LabelSelector.FromModel(term.LabelSelector), term.TopologyKey ?? "", weight);
    }
}
