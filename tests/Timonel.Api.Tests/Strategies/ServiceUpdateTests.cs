using System.Text.Json.Nodes;
using Timonel.Api.Strategies;

namespace Timonel.Api.Tests.Strategies;

/// <summary>What a Service update keeps from the stored object and what a type change drops.</summary>
public sealed class ServiceUpdateTests
{
    private static readonly JsonObject StoredNodePort = Parse("""
        {"spec":{"type":"NodePort","clusterIP":"10.43.0.20","clusterIPs":["10.43.0.20"],"externalTrafficPolicy":"Cluster",
         "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack",
         "ports":[{"name":"http","port":80,"nodePort":30080},{"name":"metrics","port":9090,"nodePort":30090}]}}
        """);

    [Fact]
    public void A_spec_without_allocated_values_keeps_the_stored_ones()
    {
        var updated = Parse("""{"spec":{"type":"NodePort","ports":[{"name":"metrics","port":9091},{"name":"http","port":80}]}}""");
        ServiceUpdate.Prepare(updated, StoredNodePort);
        Assert.Equal("10.43.0.20", updated["spec"]!["clusterIP"]!.GetValue<string>());
        Assert.Equal("""["10.43.0.20"]""", updated["spec"]!["clusterIPs"]!.ToJsonString());
        Assert.Equal(30090, updated["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>());
        Assert.Equal(30080, updated["spec"]!["ports"]![1]!["nodePort"]!.GetValue<int>());
    }

    [Fact]
    public void A_node_port_another_port_now_claims_is_not_given_twice()
    {
        var updated = Parse("""{"spec":{"type":"NodePort","ports":[{"name":"http","port":80},{"name":"admin","port":81,"nodePort":30080}]}}""");
        ServiceUpdate.Prepare(updated, StoredNodePort);
        Assert.Null(updated["spec"]!["ports"]![0]!["nodePort"]);
    }

    [Fact]
    public void NodePort_to_ClusterIP_drops_the_carried_over_node_ports_and_traffic_policy()
    {
        var updated = (JsonObject)StoredNodePort.DeepClone();
        updated["spec"]!["type"] = "ClusterIP";
        ServiceUpdate.Prepare(updated, StoredNodePort);
        Assert.All(updated["spec"]!["ports"]!.AsArray(), p => Assert.Null(p!["nodePort"]));
        Assert.Null(updated["spec"]!["externalTrafficPolicy"]);
        Assert.Equal("10.43.0.20", updated["spec"]!["clusterIP"]!.GetValue<string>());
    }

    [Fact]
    public void A_node_port_the_client_changed_while_changing_the_type_stays_for_validation_to_refuse()
    {
        var updated = (JsonObject)StoredNodePort.DeepClone();
        updated["spec"]!["type"] = "ClusterIP";
        updated["spec"]!["ports"]![0]!["nodePort"] = 31000;
        ServiceUpdate.Prepare(updated, StoredNodePort);
        Assert.Equal(31000, updated["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>());
        Assert.Contains(new ServiceStrategy().Validate(updated, StoredNodePort), c => c.Field == "spec.ports[0].nodePort");
    }

    [Fact]
    public void ExternalName_drops_the_cluster_address_and_families()
    {
        var updated = (JsonObject)StoredNodePort.DeepClone();
        updated["spec"]!["type"] = "ExternalName";
        updated["spec"]!["externalName"] = "db.example.test";
        ServiceUpdate.Prepare(updated, StoredNodePort);
        var spec = updated["spec"]!.AsObject();
        Assert.False(spec.ContainsKey("clusterIP") || spec.ContainsKey("clusterIPs") || spec.ContainsKey("ipFamilies") || spec.ContainsKey("ipFamilyPolicy"));
    }

    [Fact]
    public void Leaving_LoadBalancer_clears_its_status()
    {
        var stored = Parse("""{"spec":{"type":"LoadBalancer","allocateLoadBalancerNodePorts":true,"ports":[{"port":80,"nodePort":30080}]},"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.200"}]}}}""");
        var updated = (JsonObject)stored.DeepClone();
        updated["spec"]!["type"] = "NodePort";
        ServiceUpdate.Prepare(updated, stored);
        Assert.Equal("{}", updated["status"]!["loadBalancer"]!.ToJsonString());
        Assert.Null(updated["spec"]!["allocateLoadBalancerNodePorts"]);
        Assert.Equal(30080, updated["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>());
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
