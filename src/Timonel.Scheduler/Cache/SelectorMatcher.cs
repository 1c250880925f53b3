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
