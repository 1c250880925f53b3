using k8s.Models;
using Timonel.Controllers.NodeEndpoints;

namespace Timonel.Controllers.Tests.Lifecycle;

public sealed class NodeEndpointConditionsTests
{
    private static V1EndpointSlice Slice(params (string? Node, bool? Ready)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = "kube-dns-a", NamespaceProperty = "kube-system", ResourceVersion = "5" },
        Endpoints = endpoints.Select(e => new V1Endpoint
        {
            Addresses = ["10.0.0.1"],
            NodeName = e.Node,
            Conditions = new V1EndpointConditions { Ready = e.Ready, Serving = e.Ready, Terminating = false },
        }).ToList(),
    };

    [Fact]
    public void Endpoints_follow_their_nodes_readiness_and_one_without_node_is_not_ready()
    {
        var slice = Slice(("up", false), ("down", true), (null, true));
        var update = NodeEndpointConditions.Updated(slice, node => node == "up");
        Assert.NotNull(update);
        Assert.Equal([true, false, false], update.Endpoints.Select(e => e.Conditions.Ready == true));
        Assert.Equal([true, false, false], update.Endpoints.Select(e => e.Conditions.Serving == true));
        Assert.All(update.Endpoints, e => Assert.False(e.Conditions.Terminating));
        Assert.Equal("5", update.Metadata.ResourceVersion);
        // The cached object is never changed (STYLE 2).
        Assert.False(slice.Endpoints[0].Conditions.Ready);
    }

    [Fact]
    public void A_slice_already_in_step_needs_no_write()
    {
        Assert.Null(NodeEndpointConditions.Updated(Slice(("up", true), ("down", false)), node => node == "up"));
    }

    [Fact]
    public void Only_a_true_ready_condition_makes_a_node_ready()
    {
        V1Node Node(string status) => new() { Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = status }] } };
        Assert.True(NodeEndpointConditions.NodeIsReady(Node("True")));
        Assert.False(NodeEndpointConditions.NodeIsReady(Node("Unknown")));
        Assert.False(NodeEndpointConditions.NodeIsReady(Node("False")));
        Assert.False(NodeEndpointConditions.NodeIsReady(null));
    }
}
