using System.Text.Json.Nodes;
using k8s.Models;

namespace Timonel.Api.Selectors;

/// <summary>The operators of a label requirement.</summary>
public enum SelectorOperator { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

/// <summary>One requirement: key, operator and values.</summary>
public sealed record LabelRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(Func<string, string?> lookup) => MatchesValue(lookup(Key));

    /// <summary>Whether the requirement holds for this value of its key (null: the label is absent).</summary>
    public bool MatchesValue(string? value) =>
        Operator switch
        {
            SelectorOperator.Equals => value is not null && value == Values[0],
            SelectorOperator.NotEquals => value is null || value != Values[0],
            SelectorOperator.In => value is not null && Values.Contains(value),
            SelectorOperator.NotIn => value is null || !Values.Contains(value),
            SelectorOperator.Exists => value is not null,
            SelectorOperator.DoesNotExist => value is null,
            _ => false,
        };
}

/// <summary>
/// A label selector: every requirement must hold. Parsed from the query-string form
/// (<c>a=b,c!=d,e in (x,y),!f</c>) or built from a <see cref="V1LabelSelector"/>.
/// An empty selector matches everything; <see cref="Nothing"/> matches nothing.
/// </summary>
public sealed class LabelSelector
{
    private readonly bool _matchesNothing;

    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool matchesNothing = false)
    {
        Requirements = requirements;
        _matchesNothing = matchesNothing;
    }

    public static LabelSelector Everything { get; } = new([]);
    public static LabelSelector Nothing { get; } = new([], true);

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0 && !_matchesNothing;

    /// <summary>Controllers call this once per cached object on every sync: a plain loop, no closures.</summary>
    public bool Matches(IDictionary<string, string>? labels)
    {
        if (_matchesNothing)
        {
            return false;
        }
        for (var i = 0; i < Requirements.Count; i++)
        {
            var r = Requirements[i];
            string? value = null;
            if (labels is not null && labels.TryGetValue(r.Key, out var found))
            {
                value = found;
            }
            if (!r.MatchesValue(value))
            {
                return false;
            }
        }
        return true;
    }

    public bool Matches(JsonObject? labels) =>
        !_matchesNothing && Requirements.All(r => r.Matches(k => labels?[k]?.GetValue<string>()));

    /// <summary>Parses the query-string form; a malformed selector is an error value.</summary>
    public static bool TryParse(string? text, out LabelSelector selector, out string? error) =>
        LabelSelectorParser.TryParse(text, out selector, out error);

    /// <summary>A <see cref="V1LabelSelector"/> as controllers use it: null selects nothing.</summary>
    public static LabelSelector FromModel(V1LabelSelector? model)
    {
        if (model is null)
        {
            return Nothing;
        }
        var reqs = new List<LabelRequirement>();
        foreach (var (k, v) in model.MatchLabels ?? new Dictionary<string, string>())
        {
            reqs.Add(new(k, SelectorOperator.Equals, [v]));
        }
        foreach (var e in model.MatchExpressions ?? [])
        {
            var op = e.OperatorProperty switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => (SelectorOperator?)null,
            };
            if (op is null)
            {
                return Nothing;
            }
            reqs.Add(new(e.Key, op.Value, e.Values?.ToList() ?? []));
        }
        return new(reqs);
    }

    internal static LabelSelector Of(List<LabelRequirement> requirements) => requirements.Count == 0 ? Everything : new(requirements);

    public override string ToString() => string.Join(",", Requirements.Select(r => r.Operator switch
    {
        SelectorOperator.Equals => $"{r.Key}={r.Values[0]}",
        SelectorOperator.NotEquals => $"{r.Key}!={r.Values[0]}",
        SelectorOperator.In => $"{r.Key} in ({string.Join(",", r.Values)})",
        SelectorOperator.NotIn => $"{r.Key} notin ({string.Join(",", r.Values)})",
        SelectorOperator.Exists => r.Key,
        _ => "!" + r.Key,
    }));
}
