using System.Collections.Immutable;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Scheduler.Cache;

namespace Timonel.Scheduler.Plugins.PodTopologySpread;

/// <summary>
/// The selectors of the workloads a pod belongs to, for the default (system) spreading: Services
/// in the pod's namespace whose selector matches the pod, and the pod's controller when it is a
/// ReplicaSet, StatefulSet or ReplicationController. Fed by the wiring's informers; reads are
/// lock-free on immutable maps.
/// </summary>
public sealed class WorkloadSelectors
{
    private static readonly string[] ControllerKinds = ["ReplicaSet", "StatefulSet", "ReplicationController"];
    private readonly object _lock = new();
    private ImmutableDictionary<string, IDictionary<string, string>> _services = ImmutableDictionary.Create<string, IDictionary<string, string>>(StringComparer.Ordinal);
    private ImmutableDictionary<string, V1LabelSelector> _controllers = ImmutableDictionary.Create<string, V1LabelSelector>(StringComparer.Ordinal);

    /// <summary>A Service's spec.selector; null or empty removes it (it selects no pods).</summary>
    public void SetService(string ns, string name, IDictionary<string, string>? selector)
    {
        lock (_lock)
        {
            var key = ns + "/" + name;
            _services = selector is { Count: > 0 } ? _services.SetItem(key, new Dictionary<string, string>(selector)) : _services.Remove(key);
        }
    }

    /// <summary>A ReplicaSet/StatefulSet/ReplicationController selector; null removes it.</summary>
    public void SetController(string kind, string ns, string name, V1LabelSelector? selector)
    {
        lock (_lock)
        {
            var key = kind + "/" + ns + "/" + name;
            _controllers = selector is null ? _controllers.Remove(key) : _controllers.SetItem(key, selector);
        }
    }

    /// <summary>The merged selector (every source's requirements), or null when no workload owns the pod.</summary>
    public LabelSelector? For(PodInfo pod)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var expressions = new List<V1LabelSelectorRequirement>();
        var prefix = pod.Namespace + "/";
        foreach (var (key, selector) in _services)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && selector.All(kv => pod.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            {
                foreach (var (k, v) in selector)
                {
                    labels[k] = v;
                }
            }
        }
        var owner = pod.Pod.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true && ControllerKinds.Contains(o.Kind));
        if (owner is not null && _controllers.TryGetValue(owner.Kind + "/" + pod.Namespace + "/" + owner.Name, out var controller))
        {
            foreach (var (k, v) in controller.MatchLabels ?? new Dictionary<string, string>())
            {
                labels[k] = v;
            }
            expressions.AddRange(controller.MatchExpressions ?? []);
        }
        return labels.Count == 0 && expressions.Count == 0
            ? null
            : LabelSelector.FromModel(new V1LabelSelector { MatchLabels = labels, MatchExpressions = expressions });
    }
}
