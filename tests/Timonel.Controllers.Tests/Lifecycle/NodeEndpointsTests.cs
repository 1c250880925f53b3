using k8s.Models;
using Timonel.Client.Api;
using Timonel.Controllers.NodeEndpoints;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>
/// The node-endpoints controller on a real server: the slice an agent publishes for its node
/// (kube-dns) is ready exactly while the node is Ready, so a dead node's DNS server is no longer
/// picked by any proxy and a node that returns is picked again.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class NodeEndpointsTests(LifecycleCluster cluster)
{
    private readonly ApiConnection _api = cluster.Api;

    [Fact]
    public async Task A_node_endpoint_is_ready_while_its_node_is_ready_and_again_when_it_returns()
    {
        var node = "dns-" + Guid.NewGuid().ToString("N")[..6];
        using var kubelet = await NodeTests.FakeKubelet.StartAsync(_api, node);
        var name = "kube-dns-" + node;
        try
        {
            // Published not ready: the controller makes it ready for a Ready node.
            (await _api.CreateAsync(Slice(name, node, ready: false))).Require();
            await ReadyAsync(name, true, "endpoint of a Ready node made ready");

            kubelet.Stop();
            await ReadyAsync(name, false, "endpoint of a silent node (Ready=Unknown) not ready");

            kubelet.Resume();
            await kubelet.ReportReadyAsync();
            await ReadyAsync(name, true, "endpoint of the returned node ready again");
        }
        finally
        {
            await _api.DeleteAsync<V1EndpointSlice>("kube-system", name);
            await _api.DeleteAsync<V1Node>(null, node);
        }
    }

    [Fact]
    public async Task Slices_of_other_managers_are_left_alone()
    {
        var name = "manual-" + Guid.NewGuid().ToString("N")[..6];
        var slice = Slice(name, "no-such-node", ready: true);
        slice.Metadata.Labels[NodeEndpointsController.ManagedByLabel] = "someone-else";
        (await _api.CreateAsync(slice)).Require();
        try
        {
            // A slice of ours on the same missing node is turned not ready...
            var ours = "kube-dns-" + name;
            (await _api.CreateAsync(Slice(ours, "no-such-node", ready: true))).Require();
            await ReadyAsync(ours, false, "endpoint on a missing node not ready");
            await _api.DeleteAsync<V1EndpointSlice>("kube-system", ours);
            // ...by then the other manager's slice had its sync too, and is as it was written.
            var after = (await _api.GetAsync<V1EndpointSlice>("kube-system", name)).Require();
            Assert.True(after.Endpoints[0].Conditions.Ready);
        }
        finally
        {
            await _api.DeleteAsync<V1EndpointSlice>("kube-system", name);
        }
    }

    private async Task ReadyAsync(string slice, bool ready, string what) =>
        await Wait.ForAsync(what, async () =>
            (await _api.GetAsync<V1EndpointSlice>("kube-system", slice)).Value?.Endpoints?[0].Conditions?.Ready == ready, seconds: 40);

    private static V1EndpointSlice Slice(string name, string node, bool ready) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "kube-system",
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = "kube-dns",
                [NodeEndpointsController.ManagedByLabel] = NodeEndpointsController.ManagedByValue,
            },
        },
        AddressType = "IPv4",
        Endpoints = [new V1Endpoint { Addresses = ["10.213.0.50"], NodeName = node, Conditions = new V1EndpointConditions { Ready = ready, Serving = ready, Terminating = false } }],
        Ports = [new Discoveryv1EndpointPort { Name = "dns", Port = 53, Protocol = "UDP" }],
    };
}
