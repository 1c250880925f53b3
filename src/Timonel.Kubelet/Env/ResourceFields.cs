using System.Globalization;
using k8s.Models;

namespace Timonel.Kubelet.Env;

/// <summary>
/// Values of the downward API's <c>resourceFieldRef</c>, as the kubelet computes them: a limit the
/// container does not set is the node's allocatable amount; the value is divided by the divisor
/// (default 1) and rounded up (cpu in milli-units first, so 250m with divisor 1 is "1").
/// </summary>
public static class ResourceFields
{
    private static readonly string[] DefaultedLimits = ["cpu", "memory", "ephemeral-storage"];

    /// <summary>The value for <paramref name="container"/>; Error names an unsupported resource.</summary>
    public static (string Value, string? Error) Value(V1ResourceFieldSelector selector, V1Container container,
        IReadOnlyDictionary<string, ResourceQuantity> nodeAllocatable)
    {
        var resource = selector.Resource ?? "";
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return ("", $"unsupported container resource : {resource}");
        }
        var kind = resource[..dot];
        var name = resource[(dot + 1)..];
        IDictionary<string, ResourceQuantity>? list = kind switch
        {
            "limits" => LimitsWithDefaults(container, nodeAllocatable),
            "requests" => container.Resources?.Requests,
            _ => null,
        };
        if (list is null && kind is not "requests")
        {
            return ("", $"unsupported container resource : {resource}");
        }
        var amount = list is not null && list.TryGetValue(name, out var q) ? q.ToDecimal() : 0m;
        var divisor = selector.Divisor is { } d && d.ToDecimal() != 0m ? d.ToDecimal() : 1m;
        decimal result;
        switch (name)
        {
            case "cpu":
                result = Math.Ceiling(Math.Ceiling(amount * 1000m) / Math.Ceiling(divisor * 1000m));
                break;
            case "memory":
            case "ephemeral-storage":
                result = Math.Ceiling(Math.Ceiling(amount) / Math.Ceiling(divisor));
                break;
            default:
                if (!name.StartsWith("hugepages-", StringComparison.Ordinal))
                {
                    return ("", $"unsupported container resource : {resource}");
                }
                result = Math.Ceiling(Math.Ceiling(amount) / Math.Ceiling(divisor));
                break;
        }
        return (((long)result).ToString(CultureInfo.InvariantCulture), null);
    }

    /// <summary>The container's limits with cpu, memory and ephemeral-storage defaulted to the node's allocatable.</summary>
    public static Dictionary<string, ResourceQuantity> LimitsWithDefaults(V1Container container,
        IReadOnlyDictionary<string, ResourceQuantity> nodeAllocatable)
    {
        var limits = container.Resources?.Limits is { } l
            ? new Dictionary<string, ResourceQuantity>(l, StringComparer.Ordinal)
            : new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var name in DefaultedLimits)
        {
            if (!limits.ContainsKey(name) && nodeAllocatable.TryGetValue(name, out var allocatable))
            {
                limits[name] = allocatable;
            }
        }
        return limits;
    }

    /// <summary>The container a selector names (its own container when the name is empty).</summary>
    public static V1Container? Target(V1Pod pod, V1Container? self, string? containerName)
    {
        if (string.IsNullOrEmpty(containerName))
        {
            return self;
        }
        return pod.Spec?.Containers?.FirstOrDefault(c => c.Name == containerName)
            ?? pod.Spec?.InitContainers?.FirstOrDefault(c => c.Name == containerName);
    }
}
