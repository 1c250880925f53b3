using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Rest;

namespace Timonel.ApiServer.Proxy;

/// <summary>Where a proxied request goes: a pod (its agent and uid), a scheme and the pod's port.</summary>
public sealed record ProxyTarget(PodTarget Pod, string Scheme, int Port)
{
    public string Uid => Pod.PodObject["metadata"]?["uid"]?.GetValue<string>() ?? "";
}

/// <summary>
/// Resolves the name of a pods/proxy or services/proxy request, <c>[scheme:]name[:port]</c>, as
/// upstream: a pod's port is the number given, else its first declared container port, else the
/// scheme's; a service's port is matched by name or number, and the request goes to a random ready
/// address of its Endpoints for that port (through the agent of the address's pod).
/// </summary>
public sealed class ProxyTargets(ApiContext api, PodTargets pods)
{
    public async Task<(ProxyTarget? Target, ApiError? Error)> ForPodAsync(string ns, string id, CancellationToken ct)
    {
        if (Split(id) is not var (scheme, name, port))
        {
            return (null, ApiError.BadRequest($"invalid pod request \"{id}\""));
        }
        var (pod, error) = await pods.ResolveAsync(ns, name, null, ct, wholePod: true);
        if (error is not null) return (null, error);
        if (string.IsNullOrEmpty(pod!.PodObject["status"]?["podIP"]?.GetValue<string>()))
        {
            return (null, ApiError.BadRequest($"pod {name} has no IP address yet"));
        }
        port = port.Length > 0 ? port : FirstContainerPort(pod.PodObject);
        if (port.Length == 0) return (new ProxyTarget(pod, scheme, scheme == "https" ? 443 : 80), null);
        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and < 65536
            ? (new ProxyTarget(pod, scheme, number), null)
            : (null, ApiError.BadRequest($"invalid port \"{port}\" for pod {name}"));
    }

    public async Task<(ProxyTarget? Target, ApiError? Error)> ForServiceAsync(string ns, string id, CancellationToken ct)
    {
        if (Split(id) is not var (scheme, name, port))
        {
            return (null, ApiError.BadRequest($"invalid service request \"{id}\""));
        }
        var (service, error) = await api.StoreFor(api.Registry.Find("", "v1", "services")!).GetAsync(ns, name, ct);
        if (error is not null) return (null, error);
        var portName = port;
        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            var declared = (service!["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(p => p["port"]?.GetValue<int>() == number);
            if (declared is null) return (null, ApiError.Unavailable($"no service port {number} found for service \"{name}\""));
            portName = declared["name"]?.GetValue<string>() ?? "";
        }
        var (endpoints, endpointsError) = await api.StoreFor(api.Registry.Find("", "v1", "endpoints")!).GetAsync(ns, name, ct);
        if (endpointsError is not null) return (null, endpointsError);
        foreach (var (podName, targetPort) in Candidates(endpoints!, portName))
        {
            var (pod, podError) = await pods.ResolveAsync(ns, podName, null, ct, wholePod: true);
            if (podError is null) return (new ProxyTarget(pod!, scheme, targetPort), null);
        }
        return (null, ApiError.Unavailable($"no endpoints available for service \"{id}\""));
    }

    /// <summary>The ready addresses with a pod behind them and the port named <paramref name="portName"/>, in random order.</summary>
    private static IEnumerable<(string Pod, int Port)> Candidates(JsonObject endpoints, string portName)
    {
        var found = new List<(string, int)>();
        foreach (var subset in (endpoints["subsets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var port = (subset["ports"] as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(p => (p["name"]?.GetValue<string>() ?? "") == portName)?["port"]?.GetValue<int>();
            if (port is null) continue;
            foreach (var address in (subset["addresses"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (address["targetRef"] is JsonObject target && target["kind"]?.GetValue<string>() == "Pod"
                    && target["name"]?.GetValue<string>() is { Length: > 0 } pod)
                {
                    found.Add((pod, port.Value));
                }
            }
        }
        return found.OrderBy(_ => Random.Shared.Next());
    }

    private static string FirstContainerPort(JsonObject pod) =>
        (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => (c["ports"] as JsonArray)?.FirstOrDefault()?["containerPort"]?.GetValue<int>())
            .FirstOrDefault(p => p is not null)?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary><c>name</c>, <c>name:port</c> or <c>scheme:name:port</c> with scheme http or https (default http); null when malformed.</summary>
    internal static (string Scheme, string Name, string Port)? Split(string id)
    {
        var parts = id.Split(':');
        var (scheme, name, port) = parts.Length switch
        {
            1 => ("", parts[0], ""),
            2 => ("", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => ("", "", ""),
        };
        if (name.Length == 0 || scheme is not ("" or "http" or "https")) return null;
        return (scheme.Length == 0 ? "http" : scheme, name, port);
    }
}
