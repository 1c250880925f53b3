using Timonel.Api.Selectors;

namespace Timonel.Scheduler.Cache;

/// <summary>
/// Label selector evaluation for the per-node loops: plain loops and dictionary lookups, no
/// delegates or enumerator allocations (the API package's matcher is built for request paths).
/// </summary>
public static class SelectorMatcher
{
    public static bool Matches(LabelSelector selector, IDictionary<string, string> labels)
    {
        var requirements = selector.Requirements;
        if (requirements.Count == 0)
        {
            // Everything, or Nothing (a null selector in an API object).
            return selector.IsEmpty;
        }
        for (var i = 0; i < requirements.Count; i++)
        {
            var r = requirements[i];
            var has = labels.TryGetValue(r.Key, out var value);
            var ok = r.Operator switch
            {
                SelectorOperator.Equals => has && value == r.Values[0],
                SelectorOperator.NotEquals => !has || value != r.Values[0],
                SelectorOperator.In => has && Contains(r.Values, value!),
                SelectorOperator.NotIn => !has || !Contains(r.Values, value!),
                SelectorOperator.Exists => has,
                SelectorOperator.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A string equal for two selectors only if they select the same pods: requirements sorted (they
    /// are ANDed), In/NotIn values as a sorted set, each part length-prefixed so no label text can
    /// forge a separator. Equivalent selectors written differently may get different keys (a memo
    /// miss, never a wrong hit).
    /// </summary>
    public static string CanonicalKey(LabelSelector selector)
    {
        if (selector.Requirements.Count == 0)
        {
            return selector.IsEmpty ? "everything" : "nothing";
        }
        var parts = new List<string>(selector.Requirements.Count);
        var sb = new System.Text.StringBuilder();
        foreach (var r in selector.Requirements)
        {
            sb.Clear();
            Append(sb, r.Key);
            sb.Append((int)r.Operator).Append(';');
            if (r.Operator is SelectorOperator.Equals or SelectorOperator.NotEquals)
            {
                Append(sb, r.Values[0]);
            }
            else if (r.Operator is SelectorOperator.In or SelectorOperator.NotIn)
            {
                var values = r.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
                foreach (var v in values)
                {
                    Append(sb, v);
                }
            }
            parts.Add(sb.ToString());
        }
        parts.Sort(StringComparer.Ordinal);
        sb.Clear().Append("sel;");
        foreach (var part in parts)
        {
            Append(sb, part);
        }
        return sb.ToString();
    }

    private static void Append(System.Text.StringBuilder sb, string text) =>
        sb.Append(text.Length).Append(':').Append(text);

    private static bool Contains(IReadOnlyList<string> values, string value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
            {
                return true;
            }
        }
        return false;
    }
}
