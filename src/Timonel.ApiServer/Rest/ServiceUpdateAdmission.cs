using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Storage;
using Timonel.Api.Strategies;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The reservations of a Service update (<see cref="UpdateReservation"/>): a ClusterIP when
/// the type comes to need one, node ports for new ports or a type that comes to need them, the node
/// ports and address a client asks for anew. Once written, what the old Service held and the new
/// one does not is freed (NodePort to ClusterIP gives its ports back); a write that did not happen
/// frees what was reserved for it.
/// </summary>
public static class ServiceUpdateAdmission
{
    public static async Task<(ApiError? Error, Func<bool, Task>? Settle)> ReserveAsync(
        ApiContext api, JsonObject updated, JsonObject current, CancellationToken ct)
    {
        var spec = updated["spec"] as JsonObject ?? [];
        var oldSpec = current["spec"] as JsonObject ?? [];
        var reserved = new List<string>();
        var error = await ReserveClusterIpAsync(api, updated, spec, oldSpec, reserved, ct);
        if (error is null && ServiceUpdate.NeedsNodePorts(spec))
        {
            error = await Admission.AllocateNodePortsAsync(api, updated, spec, ServiceUpdate.NodePorts(oldSpec), reserved, ct);
        }
        if (error is not null)
        {
            await FreeAsync(api, updated, reserved);
            return (error, null);
        }
        return (null, written => written ? FreeDroppedAsync(api, updated, oldSpec, spec) : FreeAsync(api, updated, reserved));
    }

    private static async Task<ApiError?> ReserveClusterIpAsync(ApiContext api, JsonObject svc, JsonObject spec, JsonObject oldSpec,
        List<string> reserved, CancellationToken ct)
    {
        if (!ServiceUpdate.NeedsClusterIp(spec))
        {
            return null;
        }
        var ip = spec["clusterIP"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(ip) && (ip == "None" || ServiceUpdate.ClusterIps(oldSpec).Contains(ip)))
        {
            return null;
        }
        return await Admission.AllocateClusterIpAsync(api, svc, spec, spec["type"]?.GetValue<string>() ?? "ClusterIP", reserved, ct);
    }

    private static Task FreeDroppedAsync(ApiContext api, JsonObject svc, JsonObject oldSpec, JsonObject spec) =>
        Admission.ReleaseHeldAsync(api, Admission.OwnerOf(svc), ServiceUpdate.ClusterIps(oldSpec).Except(ServiceUpdate.ClusterIps(spec)),
            ServiceUpdate.NodePorts(oldSpec).Except(ServiceUpdate.NodePorts(spec)), CancellationToken.None);

    private static async Task FreeAsync(ApiContext api, JsonObject svc, List<string> reserved)
    {
        var owner = Admission.OwnerOf(svc);
        foreach (var key in reserved)
        {
            await Admission.ReleaseKeyAsync(api, key, owner, CancellationToken.None);
        }
    }
}
