using k8s.Models;

namespace Timonel.Controllers.EndpointSlices;

/// <summary>The writes that bring a service's slices to the desired endpoints.</summary>
internal sealed record SlicePlan(
    List<V1EndpointSlice> ToCreate,
    List<V1EndpointSlice> ToUpdate,
    List<V1EndpointSlice> ToDelete);

/// <summary>
/// Reconciles incrementally, like upstream: an endpoint stays in the slice that holds it (updated
/// in place when its conditions change); new endpoints first fill slices already being written,
/// then other slices with room, and only then go to new slices of at most <see cref="MaxPerSlice"/>.
/// A slice left empty is deleted; a service with no endpoints keeps one empty placeholder slice.
/// Slices given here are copies the plan may change.
/// </summary>
internal static class SlicePlanner
{
    public const int MaxPerSlice = 100;

    public static SlicePlan Plan(Dictionary<string, PortGroup> desired, List<V1EndpointSlice> existing,
        Func<List<Discoveryv1EndpointPort>, V1EndpointSlice> newSlice)
    {
        var plan = new SlicePlan([], [], []);
        var total = desired.Values.Sum(g => g.EndpointsByIp.Count);
        if (total == 0)
        {
            var placeholder = existing.FirstOrDefault(s => s.Endpoints is not { Count: > 0 } && s.Ports is not { Count: > 0 });
            if (placeholder is null)
            {
                plan.ToCreate.Add(newSlice([]));
            }
            plan.ToDelete.AddRange(existing.Where(s => !ReferenceEquals(s, placeholder)));
            return plan;
        }

        foreach (var slice in existing.Where(s => !desired.ContainsKey(DesiredEndpoints.KeyOf(s.Ports)) || (s.Endpoints is not { Count: > 0 } && s.Ports is not { Count: > 0 })))
        {
            plan.ToDelete.Add(slice);
        }
        foreach (var group in desired.Values)
        {
            var remaining = new Dictionary<string, V1Endpoint>(group.EndpointsByIp, StringComparer.Ordinal);
            var slices = existing.Where(s => !plan.ToDelete.Contains(s) && DesiredEndpoints.KeyOf(s.Ports) == group.Key).ToList();
            var changed = new List<V1EndpointSlice>();
            foreach (var slice in slices)
            {
                var kept = new List<V1Endpoint>();
                var dirty = false;
                foreach (var endpoint in slice.Endpoints ?? [])
                {
                    var ip = endpoint.Addresses.FirstOrDefault() ?? "";
                    if (remaining.Remove(ip, out var wanted))
                    {
                        dirty |= !DesiredEndpoints.SameEndpoint(endpoint, wanted);
                        kept.Add(wanted);
                    }
                    else
                    {
                        dirty = true;
                    }
                }
                slice.Endpoints = kept;
                if (dirty)
                {
                    changed.Add(slice);
                }
            }
            // New endpoints: slices being written anyway first, then any slice with room.
            var queue = new Queue<V1Endpoint>(remaining.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));
            foreach (var slice in changed.Concat(slices.Except(changed)).ToList())
            {
                while (queue.Count > 0 && slice.Endpoints.Count < MaxPerSlice)
                {
                    slice.Endpoints.Add(queue.Dequeue());
                    if (!changed.Contains(slice))
                    {
                        changed.Add(slice);
                    }
                }
            }
            while (queue.Count > 0)
            {
                var slice = newSlice(group.Ports);
                slice.Endpoints = [];
                while (queue.Count > 0 && slice.Endpoints.Count < MaxPerSlice)
                {
                    slice.Endpoints.Add(queue.Dequeue());
                }
                plan.ToCreate.Add(slice);
            }
            foreach (var slice in changed)
            {
                (slice.Endpoints.Count == 0 ? plan.ToDelete : plan.ToUpdate).Add(slice);
            }
        }
        return plan;
    }
}
