using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The Priority admission step for new pods, as upstream's: <c>spec.priorityClassName</c> names a
/// PriorityClass whose value becomes <c>spec.priority</c> (and its preemptionPolicy the pod's);
/// without a name, the class marked globalDefault applies, else priority 0. A pod that names a
/// class that does not exist, or brings a priority of its own that disagrees, is forbidden.
/// Classes are read from the watch cache, so admission costs no store read per pod.
/// </summary>
public static class PriorityAdmission
{
    public const string ClusterCritical = "system-cluster-critical";
    public const string NodeCritical = "system-node-critical";

    /// <summary>The classes every cluster has (upstream's values), created at bootstrap.</summary>
    public static readonly (string Name, int Value, string Description)[] SystemClasses =
    [
        (ClusterCritical, 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
        (NodeCritical, 2000001000, "Used for system critical pods that must not be moved from their current node."),
    ];

    public static async Task<ApiError?> AdmitPodAsync(ApiContext api, JsonObject pod, CancellationToken ct)
    {
        var spec = pod["spec"] as JsonObject;
        if (spec is null)
        {
            return null;
        }
        var className = spec["priorityClassName"]?.GetValue<string>();
        var classes = await ClassesAsync(api, ct);
        JsonObject? chosen;
        if (string.IsNullOrEmpty(className))
        {
            chosen = classes.FirstOrDefault(c => c["globalDefault"]?.GetValue<bool>() == true);
        }
        else
        {
            chosen = classes.FirstOrDefault(c => ObjectMeta.Name(c) == className);
            if (chosen is null)
            {
                return ApiError.Forbidden($"pods \"{PodName(pod)}\" is forbidden: no PriorityClass with name {className} was found");
            }
        }
        var value = chosen?["value"]?.GetValue<int>() ?? 0;
        var given = spec["priority"]?.GetValue<int>();
        if (given is not null && given != value)
        {
            return ApiError.Forbidden($"pods \"{PodName(pod)}\" is forbidden: the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {value} from the given PriorityClass name");
        }
        spec["priority"] = value;
        if (chosen is not null)
        {
            spec["priorityClassName"] = ObjectMeta.Name(chosen);
            spec["preemptionPolicy"] ??= chosen["preemptionPolicy"]?.GetValue<string>() ?? "PreemptLowerPriority";
        }
        return null;
    }

    private static async Task<IReadOnlyList<JsonObject>> ClassesAsync(ApiContext api, CancellationToken ct)
    {
        var resource = api.Registry.Find("scheduling.k8s.io", "v1", "priorityclasses")!;
        var (items, _) = await api.CacheFor(resource).SnapshotAsync(resource.KeyPrefix, ct);
        return items.Select(i => i.Parse()).ToList();
    }

    private static string PodName(JsonObject pod) => ObjectMeta.Name(pod) ?? "";
}
