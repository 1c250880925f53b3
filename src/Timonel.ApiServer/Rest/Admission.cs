using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Scheme;
using Timonel.Api.Strategies;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// What the server adds or reserves when objects are created: a pod's default resources and their
/// bounds from its namespace's LimitRanges (<see cref="LimitRangeAdmission"/>), its priority from its
/// PriorityClass (<see cref="PriorityAdmission"/>), its service account and token volume
/// (<see cref="ServiceAccountAdmission"/>), an Ingress's default class
/// (<see cref="IngressClassAdmission"/>), ClusterIPs from the service CIDR and
/// NodePorts from their range. A reservation is a key in the store (<c>/registry/ranges/...</c>)
/// created only if absent, so two Services can never hold the same address, and it is released
/// when the Service goes.
/// </summary>
public static class Admission
{
    private const string IpKeys = "/registry/ranges/serviceips/";
    private const string PortKeys = "/registry/ranges/servicenodeports/";

    public static async Task<ApiError?> AdmitCreateAsync(ApiContext api, JsonObject obj, ResourceInfo resource, bool dryRun, CancellationToken ct)
    {
        var error = await MutateAsync(api, obj, resource, dryRun, ct);
        if (error is not null)
        {
            return error;
        }
        // Last, on the completed object: the namespace's quotas must have room for it.
        error = await ResourceQuotaAdmission.AdmitCreateAsync(api, obj, resource, dryRun, ct);
        if (error is not null && !dryRun)
        {
            await ReleaseAsync(api, obj, resource, ct);
        }
        return error;
    }

    private static async Task<ApiError?> MutateAsync(ApiContext api, JsonObject obj, ResourceInfo resource, bool dryRun, CancellationToken ct)
    {
        if (resource.Kind == "Pod" && resource.Group.Length == 0)
        {
            return await LimitRangeAdmission.AdmitPodAsync(api, obj, ct)
                ?? await PriorityAdmission.AdmitPodAsync(api, obj, ct)
                ?? await ServiceAccountAdmission.AdmitPodAsync(api, obj, ct);
        }
        if (resource.Kind == "PersistentVolumeClaim" && resource.Group.Length == 0)
        {
            return await LimitRangeAdmission.AdmitClaimAsync(api, obj, ct);
        }
        if (resource.Kind == "Ingress" && resource.Group == "networking.k8s.io")
        {
            await IngressClassAdmission.AdmitIngressAsync(api, obj, ct);
            return null;
        }
        if (resource.Kind != "Service" || resource.Group.Length != 0 || dryRun)
        {
            return null;
        }
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        var type = spec["type"]?.GetValue<string>() ?? "ClusterIP";
        spec["type"] = type;
        var error = await AllocateClusterIpAsync(api, obj, spec, type, [], ct);
        if (error is null && type is "NodePort" or "LoadBalancer")
        {
            error = await AllocateNodePortsAsync(api, obj, spec, new HashSet<long>(), [], ct);
        }
        if (error is not null)
        {
            await ReleaseAsync(api, obj, resource, ct);
        }
        return error;
    }

    /// <summary>Reserves the requested ClusterIP, or allocates one; each key reserved goes into <paramref name="reserved"/>.</summary>
    internal static async Task<ApiError?> AllocateClusterIpAsync(ApiContext api, JsonObject svc, JsonObject spec, string type,
        List<string> reserved, CancellationToken ct)
    {
        if (type == "ExternalName")
        {
            return null;
        }
        var requested = spec["clusterIP"]?.GetValue<string>();
        if (requested == "None")
        {
            spec["clusterIPs"] = new JsonArray("None");
            return null;
        }
        var range = api.Options.ServiceCidr;
        var owner = System.Text.Encoding.UTF8.GetBytes(OwnerOf(svc));
        if (!string.IsNullOrEmpty(requested))
        {
            if (!IPAddress.TryParse(requested, out var ip) || !range.Contains(ip))
            {
                return Invalid(svc, "spec.clusterIPs", $"Invalid value: \"{requested}\": failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {range}");
            }
            if (!(await api.Backend.CreateAsync(IpKeys + requested, owner, ct)).Succeeded)
            {
                return Invalid(svc, "spec.clusterIPs", $"Invalid value: [\"{requested}\"]: failed to allocate IP {requested}: provided IP is already allocated");
            }
            reserved.Add(IpKeys + requested);
            spec["clusterIPs"] = new JsonArray(requested);
            return null;
        }
        // Random start, then linear probe: spreads Services over the range and stays O(1) when sparse.
        // The first ten addresses are left for Services that ask for them (kubernetes, kube-dns).
        var size = range.Size;
        var start = Random.Shared.NextInt64(11, size + 1);
        for (long i = 0; i < size; i++)
        {
            var index = ((start - 11 + i) % (size - 10)) + 11;
            var ip = range.At(index).ToString();
            if ((await api.Backend.CreateAsync(IpKeys + ip, owner, ct)).Succeeded)
            {
                reserved.Add(IpKeys + ip);
                spec["clusterIP"] = ip;
                spec["clusterIPs"] = new JsonArray(ip);
                return null;
            }
        }
        return new ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full");
    }

    /// <summary>
    /// Reserves each port's requested node port, or allocates one; ports already in
    /// <paramref name="held"/> (the Service's own before an update) are kept as they are.
    /// </summary>
    internal static async Task<ApiError?> AllocateNodePortsAsync(ApiContext api, JsonObject svc, JsonObject spec,
        IReadOnlySet<long> held, List<string> reserved, CancellationToken ct)
    {
        var owner = System.Text.Encoding.UTF8.GetBytes(OwnerOf(svc));
        var (min, max) = (api.Options.NodePortMin, api.Options.NodePortMax);
        var ports = spec["ports"] as JsonArray ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i] is not JsonObject port) continue;
            if (port["nodePort"] is JsonValue v && v.TryGetValue<int>(out var wanted) && wanted != 0)
            {
                if (held.Contains(wanted))
                {
                    continue;
                }
                if (wanted < min || wanted > max)
                {
                    return Invalid(svc, $"spec.ports[{i}].nodePort", $"Invalid value: {wanted}: provided port is not in the valid range. The range of valid ports is {min}-{max}");
                }
                if (!(await api.Backend.CreateAsync(PortKeys + wanted, owner, ct)).Succeeded)
                {
                    return Invalid(svc, $"spec.ports[{i}].nodePort", $"Invalid value: {wanted}: provided port is already allocated");
                }
                reserved.Add(PortKeys + wanted);
                continue;
            }
            var size = max - min + 1;
            var start = Random.Shared.Next(size);
            var allocated = false;
            for (var k = 0; k < size && !allocated; k++)
            {
                var candidate = min + ((start + k) % size);
                if ((await api.Backend.CreateAsync(PortKeys + candidate, owner, ct)).Succeeded)
                {
                    reserved.Add(PortKeys + candidate);
                    port["nodePort"] = candidate;
                    allocated = true;
                }
            }
            if (!allocated)
            {
                return new ApiError(500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full");
            }
        }
        return null;
    }

    /// <summary>Frees what a Service held (after its delete, or a failed create).</summary>
    public static async Task ReleaseAsync(ApiContext api, JsonObject obj, ResourceInfo resource, CancellationToken ct)
    {
        if (resource.Kind != "Service" || resource.Group.Length != 0)
        {
            return;
        }
        var spec = obj["spec"] as JsonObject;
        await ReleaseHeldAsync(api, OwnerOf(obj), ServiceUpdate.ClusterIps(spec), ServiceUpdate.NodePorts(spec), ct);
    }

    /// <summary>Frees these addresses and node ports where <paramref name="owner"/> still holds them.</summary>
    internal static async Task ReleaseHeldAsync(ApiContext api, string owner, IEnumerable<string> clusterIps, IEnumerable<long> nodePorts,
        CancellationToken ct)
    {
        foreach (var ip in clusterIps)
        {
            await ReleaseKeyAsync(api, IpKeys + ip, owner, ct);
        }
        foreach (var port in nodePorts)
        {
            await ReleaseKeyAsync(api, PortKeys + port, owner, ct);
        }
    }

    /// <summary>Who holds a reservation: the Service's "namespace/name".</summary>
    internal static string OwnerOf(JsonObject svc) => $"{ObjectMeta.Namespace(svc)}/{ObjectMeta.Name(svc)}";

    /// <summary>Deletes a reservation only if this Service still holds it.</summary>
    internal static async Task ReleaseKeyAsync(ApiContext api, string key, string owner, CancellationToken ct)
    {
        var got = await api.Backend.GetAsync(key, 0, ct);
        if (got.Item is not null && System.Text.Encoding.UTF8.GetString(got.Item.Value.Span) == owner)
        {
            await api.Backend.DeleteAsync(key, got.Item.ModRevision, ct);
        }
    }

    private static ApiError Invalid(JsonObject svc, string field, string message) =>
        ApiError.Invalid("Service", "", ObjectMeta.Name(svc) ?? "", [new(CauseReasons.Invalid, message, field)]);
}
