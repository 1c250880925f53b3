using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Strategies;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// pods/eviction (policy/v1 Eviction), what `kubectl drain` posts: a delete that respects the
/// pod's PodDisruptionBudget. The budget is computed here from the store, as upstream's
/// disruption controller computes status.disruptionsAllowed: matching pods that are not finished
/// are expected, the ready ones that are not terminating are healthy, and minAvailable or
/// maxUnavailable (a number, or a percentage of expected rounded up) gives how many must stay
/// healthy. An eviction that would leave fewer is refused with 429 and no Retry-After (with one,
/// client-go itself would retry ten times before drain saw the refusal); drain retries every 5 s.
/// </summary>
/// <remarks>
/// As upstream: a pod that is pending or finished ignores budgets; a pod that is not ready may go
/// while its budget is met (the IfHealthyBudget policy) or always (AlwaysAllow); a pod matched by
/// more than one budget cannot be evicted (500). Evictions are serialized (drain sends them in
/// parallel) and read the store, not the watch caches, so the second of two evictions sees the
/// first one's delete. With several API servers on one etcd that is not enough (upstream
/// decrements the budget's status with a resourceVersion check instead).
/// </remarks>
public static class Eviction
{
    /// <summary>Held from the budget check to the end of the delete.</summary>
    public static SemaphoreSlim Serial { get; } = new(1, 1);

    public static async Task<ApiError?> CheckBudgetAsync(ApiContext api, JsonObject pod, CancellationToken ct)
    {
        var phase = pod["status"]?["phase"]?.GetValue<string>();
        if (phase is "Pending" or "Succeeded" or "Failed" || ObjectMeta.IsDeleting(pod))
        {
            return null;
        }
        var ns = ObjectMeta.Namespace(pod)!;
        var labels = Labels(pod);
        var budgets = (await ListAsync(api, "policy", "v1", "poddisruptionbudgets", ns, LabelSelector.Everything, ct))
            .Where(b => Selector(b) is { IsEmpty: false } s && s.Matches(labels)).ToList();
        if (budgets.Count == 0)
        {
            return null;
        }
        if (budgets.Count > 1)
        {
            return ApiError.Internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        }
        var budget = budgets[0];
        var selector = Selector(budget)!;
        var matching = (await ListAsync(api, "", "v1", "pods", ns, selector, ct))
            .Where(p => p["status"]?["phase"]?.GetValue<string>() is not ("Succeeded" or "Failed")).ToList();
        var expected = matching.Count;
        var healthy = matching.Count(p => !ObjectMeta.IsDeleting(p) && IsReady(p));
        var desired = DesiredHealthy(budget["spec"] as JsonObject, expected);
        var policy = budget["spec"]?["unhealthyPodEvictionPolicy"]?.GetValue<string>() ?? "IfHealthyBudget";
        if (!IsReady(pod) && (policy == "AlwaysAllow" || healthy >= desired))
        {
            return null;
        }
        if (healthy - 1 >= desired)
        {
            return null;
        }
        return new ApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
        {
            Causes = [new ErrorCause("DisruptionBudget", $"The disruption budget {ObjectMeta.Name(budget)} needs {desired} healthy pods and has {healthy} currently")],
        };
    }

    /// <summary>How many matching pods must stay healthy; percentages round up, as upstream's.</summary>
    private static int DesiredHealthy(JsonObject? spec, int expected)
    {
        if (spec?["minAvailable"] is { } min)
        {
            return Scaled(min, expected);
        }
        if (spec?["maxUnavailable"] is { } max)
        {
            return Math.Max(0, expected - Scaled(max, expected));
        }
        return 0;
    }

    private static int Scaled(JsonNode value, int expected)
    {
        if (value is JsonValue v && v.TryGetValue<int>(out var number))
        {
            return number;
        }
        var text = value.ToString();
        return text.EndsWith('%') && int.TryParse(text[..^1], System.Globalization.CultureInfo.InvariantCulture, out var percent)
            ? (int)Math.Ceiling(expected * percent / 100.0)
            : 0;
    }

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    private static JsonObject? Labels(JsonObject obj) => obj["metadata"]?["labels"] as JsonObject;

    private static LabelSelector? Selector(JsonObject budget) =>
        budget["spec"]?["selector"] is JsonObject s ? WorkloadChecks.Selector(s) : null;

    private static async Task<IReadOnlyList<JsonObject>> ListAsync(ApiContext api, string group, string version, string plural, string ns,
        LabelSelector labels, CancellationToken ct)
    {
        var (page, _) = await api.StoreFor(api.Registry.Find(group, version, plural)!).ListAsync(ns, new ListOptions { Labels = labels }, ct);
        return page?.Items ?? [];
    }
}
