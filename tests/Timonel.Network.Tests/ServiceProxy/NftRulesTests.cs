using Timonel.Network.ServiceProxy;
using static Timonel.Network.Tests.ServiceProxy.Fixtures;

namespace Timonel.Network.Tests.ServiceProxy;

public sealed class NftRulesTests
{
    private const string ClusterKey = "10.96.0.10 . tcp . 80";

    [Fact]
    public void Cluster_ip_spreads_evenly_over_every_ready_endpoint_with_one_dnat_chain_each()
    {
        var port = Port("web", "10.96.0.10", Ready("10.244.1.2"), Ready("10.244.2.2"), Ready("10.244.3.2"));
        var state = NftRules.Build(Node, [port]);

        var serviceChain = NftNames.ServiceChain(port);
        Assert.Equal("goto " + serviceChain, state.Maps[NftNames.ServiceIpsMap][ClusterKey]);
        var spread = state.Chains[serviceChain][^1];
        Assert.StartsWith("numgen random mod 3 vmap { ", spread, StringComparison.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            var endpoint = port.Endpoints[i];
            var chain = NftNames.EndpointChain(port, endpoint);
            Assert.Contains($"{i} : goto {chain}", spread, StringComparison.Ordinal);
            Assert.Equal($"meta l4proto tcp dnat to {endpoint.Address}:8080", state.Chains[chain][^1]);
            // Hairpin: a pod reaching itself through the service is masqueraded.
            Assert.Equal($"ip saddr {endpoint.Address} jump mark-for-masquerade", state.Chains[chain][0]);
        }
        Assert.Empty(state.Maps[NftNames.NoEndpointServicesMap]);
        Assert.Contains("10.96.0.10", state.ClusterIps);
    }

    [Fact]
    public void Traffic_from_outside_the_cluster_cidr_to_a_cluster_ip_is_marked_for_masquerade()
    {
        var port = Port("web", "10.96.0.10", Ready("10.244.1.2"));
        Assert.Equal("ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
            NftRules.Build(Node, [port]).Chains[NftNames.ServiceChain(port)][0]);

        var all = new ProxyNode("node-a", [], "10.244.0.0/16", masqueradeAll: true);
        Assert.Equal("ip daddr 10.96.0.10 tcp dport 80 jump mark-for-masquerade", NftRules.Build(all, [port]).Chains[NftNames.ServiceChain(port)][0]);
    }

    [Fact]
    public void Service_without_endpoints_rejects_and_has_no_chains()
    {
        var state = NftRules.Build(Node, [Port("web", "10.96.0.10", Terminating("10.244.1.2", serving: false))]);

        Assert.Equal("goto reject-chain", state.Maps[NftNames.NoEndpointServicesMap][ClusterKey]);
        Assert.Empty(state.Maps[NftNames.ServiceIpsMap]);
        Assert.Empty(state.Chains);
        Assert.Contains("10.96.0.10", state.ClusterIps);
    }

    [Fact]
    public void Terminating_endpoints_are_used_only_when_none_is_ready()
    {
        var mixed = Port("web", "10.96.0.10", Ready("10.244.1.2"), Terminating("10.244.1.3"));
        var state = NftRules.Build(Node, [mixed]);
        Assert.StartsWith("numgen random mod 1 ", state.Chains[NftNames.ServiceChain(mixed)][^1], StringComparison.Ordinal);
        Assert.DoesNotContain(NftNames.EndpointChain(mixed, mixed.Endpoints[1]), state.Chains.Keys);

        var draining = Port("web", "10.96.0.10", Terminating("10.244.1.3"), Terminating("10.244.1.4"), Terminating("10.244.1.5", serving: false));
        var drainingState = NftRules.Build(Node, [draining]);
        Assert.StartsWith("numgen random mod 2 ", drainingState.Chains[NftNames.ServiceChain(draining)][^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Session_affinity_keeps_a_timed_client_set_per_endpoint_checked_before_the_random_pick()
    {
        var port = Port("web", "10.96.0.10", Ready("10.244.1.2"), Ready("10.244.2.2")) with { AffinityTimeoutSeconds = 600 };
        var state = NftRules.Build(Node, [port]);

        var rules = state.Chains[NftNames.ServiceChain(port)];
        foreach (var endpoint in port.Endpoints)
        {
            var set = NftNames.AffinitySet(port, endpoint);
            Assert.Equal(600, state.AffinitySets[set]);
            Assert.Contains($"ip saddr @{set} goto {NftNames.EndpointChain(port, endpoint)}", rules);
            Assert.Contains($"update @{set} {{ ip saddr }}", state.Chains[NftNames.EndpointChain(port, endpoint)]);
        }
        Assert.StartsWith("numgen", rules[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Node_port_with_cluster_policy_masquerades_then_spreads_cluster_wide()
    {
        var port = Port("web", "10.96.0.10", Ready("10.244.1.2"), Ready("10.244.2.2")) with { NodePort = 30080, ExternalIps = ["192.0.2.7"] };
        var state = NftRules.Build(Node, [port]);

        var external = NftNames.ExternalChain(port);
        Assert.Equal("goto " + external, state.Maps[NftNames.NodePortsMap]["tcp . 30080"]);
        Assert.Equal("goto " + external, state.Maps[NftNames.ServiceIpsMap]["192.0.2.7 . tcp . 80"]);
        Assert.Equal(["jump mark-for-masquerade", "goto " + NftNames.ServiceChain(port)], state.Chains[external]);
    }

    [Fact]
    public void External_policy_local_keeps_the_client_address_and_uses_only_local_endpoints()
    {
        var port = Port("web", "10.96.0.10", Ready("10.244.1.2", local: true), Ready("10.244.2.2")) with { NodePort = 30080, ExternalPolicyLocal = true };
        var state = NftRules.Build(Node, [port]);

        var local = NftNames.LocalChain(port);
        Assert.Equal("goto " + local, state.Chains[NftNames.ExternalChain(port)][^1]);
        Assert.DoesNotContain("jump mark-for-masquerade", state.Chains[NftNames.ExternalChain(port)]);
        Assert.Equal($"numgen random mod 1 vmap {{ 0 : goto {NftNames.EndpointChain(port, port.Endpoints[0])} }}", state.Chains[local][^1]);
        // Cluster IP traffic still spreads over both.
        Assert.StartsWith("numgen random mod 2 ", state.Chains[NftNames.ServiceChain(port)][^1], StringComparison.Ordinal);
    }

    [Fact]
    public void External_policy_local_without_local_endpoint_drops_external_traffic_but_serves_the_cluster_ip()
    {
        var port = Port("web", "10.96.0.10", Ready("10.244.2.2")) with { NodePort = 30080, ExternalPolicyLocal = true };
        var state = NftRules.Build(Node, [port]);

        Assert.Equal("drop", state.Maps[NftNames.NoEndpointNodePortsMap]["tcp . 30080"]);
        Assert.Empty(state.Maps[NftNames.NodePortsMap]);
        Assert.Equal("goto " + NftNames.ServiceChain(port), state.Maps[NftNames.ServiceIpsMap][ClusterKey]);
    }

    [Fact]
    public void Internal_policy_local_sends_the_cluster_ip_to_local_endpoints_or_drops()
    {
        var withLocal = Port("web", "10.96.0.10", Ready("10.244.1.2", local: true), Ready("10.244.2.2")) with { InternalPolicyLocal = true };
        var state = NftRules.Build(Node, [withLocal]);
        Assert.Equal("goto " + NftNames.LocalChain(withLocal), state.Maps[NftNames.ServiceIpsMap][ClusterKey]);
        Assert.DoesNotContain(NftNames.ServiceChain(withLocal), state.Chains.Keys);
        Assert.DoesNotContain(NftNames.EndpointChain(withLocal, withLocal.Endpoints[1]), state.Chains.Keys);

        var remoteOnly = Port("web", "10.96.0.10", Ready("10.244.2.2")) with { InternalPolicyLocal = true };
        Assert.Equal("drop", NftRules.Build(Node, [remoteOnly]).Maps[NftNames.NoEndpointServicesMap][ClusterKey]);
    }
}
