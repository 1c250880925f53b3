using k8s.Models;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Plugins.NodeAffinity;

/// <summary>
/// Filter: spec.nodeSelector (every pair) and the required node affinity terms (any term). When
/// every required term pins metadata.name, PreFilter narrows the cycle to those nodes.
/// Score: the sum of weights of the preferred terms a node matches, scaled to the best node.
/// </summary>
public sealed class NodeAffinityPlugin : IPreFilterPlugin, IFilterPlugin, IScorePlugin
{
    public const string ErrReason = "node(s) didn't match Pod's node affinity/selector";

    public string Name => "NodeAffinity";

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var terms = Required(pod.Pod);
        if (terms is null || terms.Count == 0)
        {
            return Status.Success;
        }
        HashSet<string>? names = null;
        foreach (var term in terms)
        {
            var pinned = (term.MatchFields ?? []).FirstOrDefault(f => f.Key == "metadata.name" && f.OperatorProperty == "In");
            if (pinned is null)
            {
                return Status.Success;
            }
            names ??= new HashSet<string>(StringComparer.Ordinal);
            names.UnionWith(pinned.Values ?? []);
        }
        if (names is { Count: > 0 })
        {
            state.PreFilterNodeNames = state.PreFilterNodeNames is null ? names : [.. state.PreFilterNodeNames.Intersect(names)];
        }
        return Status.Success;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        Fits(pod.Pod, node.Name, node.Labels) ? Status.Success : Status.Unresolvable(ErrReason);

    /// <summary>Whether the pod's node selector and required node affinity accept the node.</summary>
    public static bool Fits(V1Pod pod, string nodeName, IDictionary<string, string> labels)
    {
        if (pod.Spec?.NodeSelector is { Count: > 0 } selector)
        {
            foreach (var (k, v) in selector)
            {
                if (!labels.TryGetValue(k, out var actual) || actual != v)
                {
                    return false;
                }
            }
        }
        var terms = Required(pod);
        return terms is null || NodeSelectorMatcher.MatchesAny(terms, nodeName, labels);
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        long sum = 0;
        foreach (var term in pod.Pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? [])
        {
            if (term.Weight != 0 && NodeSelectorMatcher.MatchesTerm(term.Preference, node.Name, node.Labels))
            {
                sum += term.Weight;
            }
        }
        return sum;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores) => ScoreNormalizer.Default(scores, reverse: false);

    /// <summary>False when <see cref="Fits"/> accepts every node (no nodeSelector, no required affinity).</summary>
    public static bool ConstrainsNodes(V1Pod pod) => pod.Spec?.NodeSelector is { Count: > 0 } || Required(pod) is not null;

    private static IList<V1NodeSelectorTerm>? Required(V1Pod pod) =>
        pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
}
