using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Strategies;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The LimitRanger admission step for new pods: the namespace's LimitRanges (from the watch cache)
/// complete the pod's resources and bound them (<see cref="LimitRanger"/>); a pod out of bounds is
/// forbidden with upstream's words.
/// </summary>
public static class LimitRangeAdmission
{
    public static async Task<ApiError?> AdmitPodAsync(ApiContext api, JsonObject pod, CancellationToken ct)
    {
        var resource = api.Registry.Find("", "v1", "limitranges")!;
        var (ranges, _) = await api.CacheFor(resource).SnapshotAsync(api.StoreFor(resource).Prefix(ObjectMeta.Namespace(pod) ?? "default"), ct);
        if (ranges.Count == 0)
        {
            return null;
        }
        var items = ranges.Select(r => r.Parse())
            .SelectMany(r => (r["spec"]?["limits"] as JsonArray ?? []).OfType<JsonObject>())
            .ToList();
        var violation = LimitRanger.Admit(pod, items);
        return violation is null ? null : ApiError.Forbidden($"pods \"{ObjectMeta.Name(pod)}\" is forbidden: {violation}");
    }
}
