using System.Globalization;
using k8s.Models;

namespace Timonel.Scheduler.Plugins.NodeAffinity;

/// <summary>Node selector terms evaluated against a node's labels and fields.</summary>
public static class NodeSelectorMatcher
{
    /// <summary>Terms are ORed; a term with neither expressions nor fields matches nothing.</summary>
    public static bool MatchesAny(IList<V1NodeSelectorTerm> terms, string nodeName, IDictionary<string, string> labels)
    {
        foreach (var term in terms)
        {
            if (MatchesTerm(term, nodeName, labels))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Expressions and fields in one term are ANDed.</summary>
    public static bool MatchesTerm(V1NodeSelectorTerm term, string nodeName, IDictionary<string, string> labels)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }
        foreach (var e in expressions)
        {
            if (!Matches(e, labels.TryGetValue(e.Key, out var v) ? v : null))
            {
                return false;
            }
        }
        foreach (var f in fields)
        {
            // metadata.name is the only supported field; anything else selects nothing.
            if (f.Key != "metadata.name" || !Matches(f, nodeName))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// In/NotIn/Exists/DoesNotExist compare strings; Gt/Lt need exactly one integer value and a
    /// label that parses as an integer, otherwise they do not match.
    /// </summary>
    public static bool Matches(V1NodeSelectorRequirement r, string? value)
    {
        var values = r.Values ?? [];
        switch (r.OperatorProperty)
        {
            case "In": return value is not null && values.Contains(value);
            case "NotIn": return value is null || !values.Contains(value);
            case "Exists": return value is not null;
            case "DoesNotExist": return value is null;
            case "Gt":
            case "Lt":
                if (value is null || values.Count != 1 ||
                    !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual) ||
                    !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }
                return r.OperatorProperty == "Gt" ? actual > bound : actual < bound;
            default: return false;
        }
    }
}
