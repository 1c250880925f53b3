using k8s.Models;
using Timonel.Controllers.EndpointSlices;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>EndpointSlice planning: at most 100 endpoints a slice, and changes touch as few slices as possible.</summary>
public sealed class SlicePlannerTests
{
    private static readonly List<Discoveryv1EndpointPort> Http = [new() { Name = "http", Port = 8080, Protocol = "TCP" }];

    private static Dictionary<string, PortGroup> Desired(IEnumerable<int> hosts, Func<int, bool>? ready = null)
    {
        var group = new PortGroup(DesiredEndpointsKey, Http, new(StringComparer.Ordinal));
        foreach (var h in hosts)
        {
            var ip = $"10.42.{h / 250}.{h % 250 + 1}";
            group.EndpointsByIp[ip] = new V1Endpoint { Addresses = [ip], Conditions = new V1EndpointConditions { Ready = ready?.Invoke(h) ?? true } };
        }
        return new() { [group.Key] = group };
    }

    private static readonly string DesiredEndpointsKey = "http/8080/TCP/";

    private static int _names;

    private static V1EndpointSlice NewSlice(List<Discoveryv1EndpointPort> ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"s{Interlocked.Increment(ref _names)}" },
        Ports = ports,
        Endpoints = [],
    };

    /// <summary>What the server would hold after the plan: the created slices plus the updated and untouched existing ones.</summary>
    private static List<V1EndpointSlice> Apply(List<V1EndpointSlice> existing, SlicePlan plan) =>
        [.. existing.Where(s => !plan.ToDelete.Contains(s)), .. plan.ToCreate];

    private static List<V1EndpointSlice> Copies(List<V1EndpointSlice> slices) => slices.Select(s => k8s.KubernetesJson.Deserialize<V1EndpointSlice>(k8s.KubernetesJson.Serialize(s))).ToList();

    [Fact]
    public void Endpoints_are_split_into_slices_of_at_most_one_hundred()
    {
        var plan = SlicePlanner.Plan(Desired(Enumerable.Range(0, 250)), [], NewSlice);
        Assert.Equal([100, 100, 50], plan.ToCreate.Select(s => s.Endpoints.Count));
        Assert.Empty(plan.ToUpdate);
        Assert.Equal(250, plan.ToCreate.SelectMany(s => s.Endpoints).Select(e => e.Addresses[0]).Distinct().Count());
    }

    [Fact]
    public void A_change_rewrites_only_the_slice_that_holds_the_endpoint_and_new_ones_fill_free_room()
    {
        var slices = Apply([], SlicePlanner.Plan(Desired(Enumerable.Range(0, 250)), [], NewSlice));

        // One endpoint turns not ready: only its slice is updated, nothing created or deleted.
        var existing = Copies(slices);
        var plan = SlicePlanner.Plan(Desired(Enumerable.Range(0, 250), h => h != 120), existing, NewSlice);
        var updated = Assert.Single(plan.ToUpdate);
        Assert.Contains(updated.Endpoints, e => e.Addresses[0] == "10.42.0.121" && e.Conditions.Ready == false);
        Assert.Empty(plan.ToCreate);
        Assert.Empty(plan.ToDelete);

        // Ten more endpoints go into the slice with room rather than a new slice.
        existing = Copies(slices);
        plan = SlicePlanner.Plan(Desired(Enumerable.Range(0, 260)), existing, NewSlice);
        Assert.Equal(60, Assert.Single(plan.ToUpdate).Endpoints.Count);
        Assert.Empty(plan.ToCreate);

        // Every endpoint gone: the slices go, one empty placeholder stays.
        existing = Copies(slices);
        plan = SlicePlanner.Plan(Desired([]), existing, NewSlice);
        Assert.Equal(3, plan.ToDelete.Count);
        Assert.Empty(Assert.Single(plan.ToCreate).Endpoints);
    }
}
