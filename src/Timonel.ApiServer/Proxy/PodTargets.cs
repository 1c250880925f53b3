using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Rest;

namespace Timonel.ApiServer.Proxy;

/// <summary>Where a pod's container lives: the agent of its node, and the container's name.</summary>
public sealed record PodTarget(string Namespace, string Pod, string Container, Uri Agent, JsonObject PodObject);

/// <summary>
/// Finds the agent that serves a pod's logs, exec, attach or port forwarding: the pod (404 as upstream), its container
/// (the only one by default; else upstream's 400 listing the names), its node
/// (<c>spec.nodeName</c>), the node's InternalIP and <c>daemonEndpoints.kubeletEndpoint.Port</c>.
/// </summary>
public sealed class PodTargets(ApiContext api)
{
    public const int DefaultKubeletPort = 10250;

    /// <param name="container">The requested container; with <paramref name="wholePod"/> (port forwarding) none is chosen and the target's is empty.</param>
    public async Task<(PodTarget? Target, ApiError? Error)> ResolveAsync(string ns, string name, string? container, CancellationToken ct, bool wholePod = false)
    {
        var pods = api.Registry.Find("", "v1", "pods")!;
        var (pod, error) = await api.StoreFor(pods).GetAsync(ns, name, ct);
        if (error is not null) return (null, error);
        var (chosen, containerError) = wholePod ? ("", null) : ChooseContainer(pod!, name, container);
        if (containerError is not null) return (null, containerError);

        var nodeName = pod!["spec"]?["nodeName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(nodeName)) return (null, ApiError.BadRequest($"pod {name} does not have a host assigned"));
        var nodes = api.Registry.Find("", "v1", "nodes")!;
        var (node, nodeError) = await api.StoreFor(nodes).GetAsync(null, nodeName, ct);
        if (nodeError is not null) return (null, nodeError);
        var agent = AgentAddress(node!);
        return agent is null
            ? (null, ApiError.Unavailable($"node {nodeName} reports no address for its kubelet"))
            : (new PodTarget(ns, name, chosen!, agent, pod), null);
    }

    /// <summary>For logs: a container that never started has no log yet (upstream's kubelet answers this 400).</summary>
    public static ApiError? CheckStarted(PodTarget target)
    {
        var (pod, name, container) = (target.PodObject, target.Pod, target.Container);
        var status = (pod["status"]?["containerStatuses"] as JsonArray ?? [])
            .Concat(pod["status"]?["initContainerStatuses"] as JsonArray ?? [])
            .FirstOrDefault(s => s?["name"]?.GetValue<string>() == container);
        string reason;
        if (status is null) reason = "ContainerCreating";
        else if (status["state"]?["waiting"] is JsonObject waiting) reason = waiting["reason"]?.GetValue<string>() ?? "";
        else return null; // running or terminated: it has a log
        // Waiting again after a run (a restart's back-off): the agent serves the last instance's log.
        if (status?["lastState"]?["terminated"] is not null) return null;
        return ApiError.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {reason}");
    }

    private static (string? Container, ApiError? Error) ChooseContainer(JsonObject pod, string podName, string? requested)
    {
        static List<string> Names(JsonNode? list) => (list as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>()).OfType<string>().ToList();
        var containers = Names(pod["spec"]?["containers"]);
        var init = Names(pod["spec"]?["initContainers"]);
        var ephemeral = Names(pod["spec"]?["ephemeralContainers"]);
        if (string.IsNullOrEmpty(requested))
        {
            if (containers.Count == 1) return (containers[0], null);
            var message = $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', containers)}]";
            if (init.Count > 0) message += $" or one of the init containers: [{string.Join(' ', init)}]";
            return (null, ApiError.BadRequest(message));
        }
        return containers.Contains(requested) || init.Contains(requested) || ephemeral.Contains(requested)
            ? (requested, null)
            : (null, ApiError.BadRequest($"container {requested} is not valid for pod {podName}"));
    }

    private static Uri? AgentAddress(JsonObject node)
    {
        var addresses = (node["status"]?["addresses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var address = addresses.FirstOrDefault(a => a["type"]?.GetValue<string>() == "InternalIP")?["address"]?.GetValue<string>()
                      ?? addresses.FirstOrDefault()?["address"]?.GetValue<string>();
        if (string.IsNullOrEmpty(address)) return null;
        var port = node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"]?.GetValue<int>() ?? 0;
        var host = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
        return new Uri($"https://{host}:{(port > 0 ? port : DefaultKubeletPort)}/");
    }
}
