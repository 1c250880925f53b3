using k8s.Models;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.NodeEndpoints;

/// <summary>
/// The conditions of an endpoint that a node itself serves (its DNS server, published by its
/// agent): ready and serving while the Node's Ready condition is True, neither otherwise (the
/// node lifecycle controller sets Ready=Unknown once the node stops renewing its lease; a
/// missing Node serves nothing). Never terminating: the node's endpoint goes with the node.
/// </summary>
public static class NodeEndpointConditions
{
    public static bool NodeIsReady(V1Node? node) =>
        node?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>A copy of <paramref name="slice"/> with every endpoint's conditions from its node; null when all are right already.</summary>
    public static V1EndpointSlice? Updated(V1EndpointSlice slice, Func<string, bool> nodeReady)
    {
        var wanted = (slice.Endpoints ?? []).Select(e => e.NodeName is { } name && nodeReady(name)).ToList();
        var same = (slice.Endpoints ?? []).Select((e, i) =>
            e.Conditions?.Ready == wanted[i] && e.Conditions?.Serving == wanted[i] && e.Conditions?.Terminating == false).All(x => x);
        if (same)
        {
            return null;
        }
        var copy = ObjectCopy.Clone(slice);
        for (var i = 0; i < copy.Endpoints.Count; i++)
        {
            copy.Endpoints[i].Conditions = new V1EndpointConditions { Ready = wanted[i], Serving = wanted[i], Terminating = false };
        }
        return copy;
    }
}
