using k8s.Models;

namespace Timonel.Api.Quota;

/// <summary>
/// What one object counts against a ResourceQuota, by upstream's quota resource names: every
/// object <c>count/PLURAL[.GROUP]</c>, the core kinds' legacy counters (<c>pods</c>,
/// <c>services</c>, <c>configmaps</c>, ...), a pod that is not terminal its requests and limits
/// (<c>requests.cpu</c> and <c>cpu</c>, <c>limits.memory</c>, ...), a Service its node ports and load
/// balancer, a claim its storage request. Values are plain numbers (cores, bytes, counts).
/// </summary>
public static class QuotaUsage
{
    private static readonly HashSet<string> LegacyCounted = new(StringComparer.Ordinal)
    {
        "pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers", "resourcequotas",
    };

    /// <summary>The compute resources a pod's quota tracks, by the pod's own resource names.</summary>
    private static readonly string[] ComputeResources = ["cpu", "memory", "ephemeral-storage"];

    /// <summary>The quota name counting objects of a resource (<c>count/pods</c>, <c>count/deployments.apps</c>).</summary>
    public static string CountName(string group, string plural) => group.Length == 0 ? $"count/{plural}" : $"count/{plural}.{group}";

    /// <summary>What <paramref name="obj"/> (a typed model of the resource) uses; empty when it counts for nothing (a terminal pod).</summary>
    public static Dictionary<string, decimal> Of(string group, string plural, object obj)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (obj is V1Pod pod && IsTerminal(pod))
        {
            return usage;
        }
        usage[CountName(group, plural)] = 1;
        if (group.Length == 0 && LegacyCounted.Contains(plural))
        {
            usage[plural] = 1;
        }
        switch (obj)
        {
            case V1Pod p:
                foreach (var name in ComputeResources)
                {
                    var requested = PodTotal(p.Spec, r => r.Requests, name);
                    if (requested > 0) usage[$"requests.{name}"] = usage[name] = requested;
                    var limited = PodTotal(p.Spec, r => r.Limits, name);
                    if (limited > 0) usage[$"limits.{name}"] = limited;
                }
                break;
            case V1Service s:
                if (s.Spec?.Type is "NodePort" or "LoadBalancer") usage["services.nodeports"] = s.Spec.Ports?.Count ?? 0;
                if (s.Spec?.Type == "LoadBalancer") usage["services.loadbalancers"] = 1;
                break;
            case V1PersistentVolumeClaim c when c.Spec?.Resources?.Requests?.TryGetValue("storage", out var storage) == true:
                usage["requests.storage"] = storage.ToDecimal();
                break;
        }
        return usage;
    }

    /// <summary>
    /// The compute resources a quota limits that some container of the pod leaves unset (upstream
    /// refuses such a pod: the quota could not account for it), e.g. <c>limits.cpu</c>.
    /// </summary>
    public static IEnumerable<string> Unspecified(V1Pod pod, IEnumerable<string> hard)
    {
        var containers = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).ToList();
        foreach (var key in hard)
        {
            var (list, name) = key.StartsWith("requests.", StringComparison.Ordinal) ? ("requests", key["requests.".Length..])
                : key.StartsWith("limits.", StringComparison.Ordinal) ? ("limits", key["limits.".Length..])
                : ComputeResources.Contains(key) ? ("requests", key) : ("", "");
            if (!ComputeResources.Contains(name)) continue;
            if (containers.Any(c => !((list == "limits" ? c.Resources?.Limits : c.Resources?.Requests)?.ContainsKey(name) ?? false)))
            {
                yield return key;
            }
        }
    }

    /// <summary>Whether the quota's scopes take in the pod (Terminating, NotTerminating, BestEffort, NotBestEffort); other objects are only in unscoped quotas.</summary>
    public static bool InScope(V1ResourceQuota quota, object obj)
    {
        var scopes = quota.Spec?.Scopes ?? [];
        if (quota.Spec?.ScopeSelector?.MatchExpressions is { Count: > 0 } expressions)
        {
            // Only the scope names with no values are understood here (not PriorityClass values).
            if (expressions.Any(e => e.OperatorProperty != "Exists")) return false;
            scopes = [.. scopes, .. expressions.Select(e => e.ScopeName)];
        }
        if (scopes.Count == 0) return true;
        if (obj is not V1Pod pod) return false;
        var bestEffort = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? [])
            .All(c => (c.Resources?.Requests?.Count ?? 0) == 0 && (c.Resources?.Limits?.Count ?? 0) == 0);
        var terminating = pod.Spec?.ActiveDeadlineSeconds is not null;
        return scopes.All(scope => scope switch
        {
            "Terminating" => terminating,
            "NotTerminating" => !terminating,
            "BestEffort" => bestEffort,
            "NotBestEffort" => !bestEffort,
            _ => false,
        });
    }

    /// <summary>A quantity as a quota shows it: bytes in binary units (64Mi), the rest in decimal (500m, 3).</summary>
    public static string Format(string name, decimal value)
    {
        var binary = name.EndsWith("memory", StringComparison.Ordinal) || name.EndsWith("storage", StringComparison.Ordinal);
        return new ResourceQuantity(value, 0, binary ? ResourceQuantity.SuffixFormat.BinarySI : ResourceQuantity.SuffixFormat.DecimalSI).ToString();
    }

    /// <summary>A quantity's value, 0 when it is not one.</summary>
    public static decimal Value(ResourceQuantity? quantity)
    {
        try
        {
            return quantity?.ToDecimal() ?? 0;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return 0;
        }
    }

    private static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>Containers add up; restartable init containers (sidecars) add too; an ordinary init container counts alone if larger.</summary>
    private static decimal PodTotal(V1PodSpec? spec, Func<V1ResourceRequirements, IDictionary<string, ResourceQuantity>?> list, string name)
    {
        decimal Of(V1Container c) => c.Resources is { } r && list(r) is { } l && l.TryGetValue(name, out var q) ? Value(q) : 0;
        var total = (spec?.Containers ?? []).Sum(Of);
        var sidecars = 0m;
        var initPeak = 0m;
        foreach (var c in spec?.InitContainers ?? [])
        {
            if (c.RestartPolicy == "Always")
            {
                total += Of(c);
                sidecars += Of(c);
                initPeak = Math.Max(initPeak, sidecars);
            }
            else
            {
                initPeak = Math.Max(initPeak, Of(c) + sidecars);
            }
        }
        return Math.Max(total, initPeak);
    }
}
