using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Strategies;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The LimitRanger admission step for new pods and claims: the namespace's LimitRanges (from the
/// watch cache) complete a pod's resources and bound them, and bound a claim's storage
/// (<see cref="LimitRanger"/>); what is out of bounds is forbidden with upstream's words.
/// </summary>
public static class LimitRangeAdmission
{
    public static async Task<ApiError?> AdmitPodAsync(ApiContext api, JsonObject pod, CancellationToken ct)
    {
        var items = await ItemsAsync(api, ObjectMeta.Namespace(pod) ?? "default", ct);
        if (items.Count == 0)
        {
            return null;
        }
        var violation = LimitRanger.Admit(pod, items);
        return violation is null ? null : ApiError.Forbidden($"pods \"{ObjectMeta.Name(pod)}\" is forbidden: {violation}");
    }

    public static async Task<ApiError?> AdmitClaimAsync(ApiContext api, JsonObject claim, CancellationToken ct)
    {
        var items = await ItemsAsync(api, ObjectMeta.Namespace(claim) ?? "default", ct);
        var violation = items.Count == 0 ? null : LimitRanger.AdmitClaim(claim, items);
        return violation is null ? null : ApiError.Forbidden($"persistentvolumeclaims \"{ObjectMeta.Name(claim)}\" is forbidden: {violation}");
    }

    /// <summary>The limit items of the namespace's LimitRanges (from the watch cache), in name order.</summary>
    private static async Task<List<JsonObject>> ItemsAsync(ApiContext api, string ns, CancellationToken ct)
    {
        var resource = api.Registry.Find("", "v1", "limitranges")!;
        var (ranges, _) = await api.CacheFor(resource).SnapshotAsync(api.StoreFor(resource).Prefix(ns), ct);
        return ranges.Select(r => r.Parse())
            .SelectMany(r => (r["spec"]?["limits"] as JsonArray ?? []).OfType<JsonObject>())
            .ToList();
    }
}
