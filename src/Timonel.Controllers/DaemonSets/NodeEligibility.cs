using System.Globalization;
using k8s.Models;

namespace Timonel.Controllers.DaemonSets;

/// <summary>
/// Which nodes a DaemonSet's pod belongs on. shouldRun: the node's labels satisfy the pod's node
/// selector and required node affinity, and the pod tolerates every NoSchedule/NoExecute taint.
/// shouldContinueRunning: a pod already there stays unless a NoExecute taint is not tolerated
/// (a NoSchedule taint added later does not evict it).
/// </summary>
internal static class NodeEligibility
{
    /// <summary>Daemon pods tolerate the conditions that would otherwise keep node agents off a struggling node.</summary>
    public static IReadOnlyList<V1Toleration> DefaultTolerations(bool hostNetwork)
    {
        var list = new List<V1Toleration>
        {
            new() { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute" },
            new() { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute" },
            new() { Key = "node.kubernetes.io/disk-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
            new() { Key = "node.kubernetes.io/memory-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
            new() { Key = "node.kubernetes.io/pid-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
            new() { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" },
        };
        if (hostNetwork)
        {
            list.Add(new() { Key = "node.kubernetes.io/network-unavailable", OperatorProperty = "Exists", Effect = "NoSchedule" });
        }
        return list;
    }

    /// <summary>The template's tolerations plus the defaults it lacks.</summary>
    public static List<V1Toleration> WithDefaults(IList<V1Toleration>? own, bool hostNetwork)
    {
        var result = new List<V1Toleration>(own ?? []);
        foreach (var d in DefaultTolerations(hostNetwork))
        {
            if (!result.Any(t => t.Key == d.Key && t.Effect == d.Effect))
            {
                result.Add(d);
            }
        }
        return result;
    }

    public static (bool ShouldRun, bool ShouldContinueRunning) Evaluate(V1Node node, V1PodSpec template)
    {
        if (!MatchesNodeSelector(node, template) || !MatchesRequiredAffinity(node, template.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution))
        {
            return (false, false);
        }
        var tolerations = WithDefaults(template.Tolerations, template.HostNetwork == true);
        var taints = node.Spec?.Taints ?? [];
        var untolerated = taints.Where(t => t.Effect is "NoSchedule" or "NoExecute" && !tolerations.Any(x => Tolerates(x, t))).ToList();
        return (untolerated.Count == 0, untolerated.All(t => t.Effect != "NoExecute"));
    }

    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }
        if (toleration.OperatorProperty == "Exists")
        {
            return string.IsNullOrEmpty(toleration.Key) || toleration.Key == taint.Key;
        }
        return toleration.Key == taint.Key && (toleration.Value ?? "") == (taint.Value ?? "");
    }

    private static bool MatchesNodeSelector(V1Node node, V1PodSpec template) =>
        (template.NodeSelector ?? new Dictionary<string, string>()).All(kv =>
            node.Metadata.Labels?.TryGetValue(kv.Key, out var v) == true && v == kv.Value);

    /// <summary>Terms are ORed; within a term, every expression (on labels) and field (metadata.name) must hold.</summary>
    private static bool MatchesRequiredAffinity(V1Node node, V1NodeSelector? required)
    {
        if (required?.NodeSelectorTerms is not { Count: > 0 } terms)
        {
            return true;
        }
        return terms.Any(term =>
            (term.MatchExpressions?.Count ?? 0) + (term.MatchFields?.Count ?? 0) > 0 &&
            (term.MatchExpressions ?? []).All(e => Matches(e, node.Metadata.Labels?.TryGetValue(e.Key, out var v) == true ? v : null)) &&
            (term.MatchFields ?? []).All(f => f.Key == "metadata.name" && Matches(f, node.Metadata.Name)));
    }

    private static bool Matches(V1NodeSelectorRequirement r, string? value) => r.OperatorProperty switch
    {
        "In" => value is not null && (r.Values ?? []).Contains(value),
        "NotIn" => value is null || !(r.Values ?? []).Contains(value),
        "Exists" => value is not null,
        "DoesNotExist" => value is null,
        "Gt" => Compare(value, r.Values) > 0,
        "Lt" => Compare(value, r.Values) < 0,
        _ => false,
    };

    // Gt/Lt compare integers; anything unparsable matches neither.
    private static int Compare(string? value, IList<string>? values) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a) && values is { Count: 1 } &&
        long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b)
            ? a.CompareTo(b)
            : 0;

    /// <summary>The node a daemon pod is for: its binding, else the node-name affinity it was created with.</summary>
    public static string? TargetNode(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return pod.Spec.NodeName;
        }
        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [];
        return terms.SelectMany(t => t.MatchFields ?? []).FirstOrDefault(f => f.Key == "metadata.name" && f.OperatorProperty == "In" && f.Values?.Count == 1)?.Values[0];
    }

    /// <summary>
    /// Pins a daemon pod to its node through required node affinity on metadata.name, replacing
    /// any required terms (the node was already checked against them); the scheduler binds it.
    /// </summary>
    public static void PinToNode(V1PodSpec spec, string node)
    {
        spec.Affinity ??= new V1Affinity();
        spec.Affinity.NodeAffinity ??= new V1NodeAffinity();
        spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
        {
            NodeSelectorTerms =
            [
                new V1NodeSelectorTerm
                {
                    MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [node] }],
                },
            ],
        };
    }
}
