using System.Collections.Immutable;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Plugins.DefaultPreemption;

/// <summary>
/// PodDisruptionBudgets as preemption needs them: namespace, selector and how many more
/// disruptions are allowed now (status.disruptionsAllowed). Fed by the wiring's informer;
/// reads are lock-free on an immutable map.
/// </summary>
public sealed class DisruptionBudgets
{
    private sealed record Budget(string Namespace, LabelSelector Selector, int Allowed);

    private readonly object _lock = new();
    private ImmutableDictionary<string, Budget> _budgets = ImmutableDictionary.Create<string, Budget>(StringComparer.Ordinal);

    public void Set(V1PodDisruptionBudget pdb)
    {
        var ns = pdb.Metadata.NamespaceProperty ?? "default";
        var selector = pdb.Spec?.Selector;
        lock (_lock)
        {
            var key = ns + "/" + pdb.Metadata.Name;
            // An empty or missing selector selects no pods for eviction purposes.
            _budgets = selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0)
                ? _budgets.Remove(key)
                : _budgets.SetItem(key, new Budget(ns, LabelSelector.FromModel(selector), pdb.Status?.DisruptionsAllowed ?? 0));
        }
    }

    public void Remove(string ns, string name)
    {
        lock (_lock)
        {
            _budgets = _budgets.Remove(ns + "/" + name);
        }
    }

    /// <summary>
    /// Splits <paramref name="pods"/> (in order) into those whose eviction would exceed some
    /// budget, counting the earlier pods' evictions against it, and the rest; order is kept.
    /// </summary>
    public (List<PodInfo> Violating, List<PodInfo> NonViolating) Split(IReadOnlyList<PodInfo> pods)
    {
        var budgets = _budgets;
        var violating = new List<PodInfo>();
        var nonViolating = new List<PodInfo>();
        if (budgets.IsEmpty)
        {
            nonViolating.AddRange(pods);
            return (violating, nonViolating);
        }
        var remaining = budgets.ToDictionary(b => b.Key, b => b.Value.Allowed, StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var violates = false;
            foreach (var (key, budget) in budgets)
            {
                if (budget.Namespace == pod.Namespace && SelectorMatcher.Matches(budget.Selector, pod.Labels) && --remaining[key] < 0)
                {
                    violates = true;
                }
            }
            (violates ? violating : nonViolating).Add(pod);
        }
        return (violating, nonViolating);
    }
}
