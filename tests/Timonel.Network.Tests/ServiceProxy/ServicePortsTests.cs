using k8s.Models;
using Timonel.Network.ServiceProxy;
using static Timonel.Network.Tests.ServiceProxy.Fixtures;

namespace Timonel.Network.Tests.ServiceProxy;

public sealed class ServicePortsTests
{
    [Fact]
    public void Named_target_port_takes_the_number_the_slice_gives_each_endpoint()
    {
        var service = Service("web", "10.96.0.10");
        var ports = ServicePorts.From(service, [Slice("web", "http", 8080, ("10.244.1.2", "node-a", true, null)), Slice("web", "http", 9090, ("10.244.2.2", "node-b", true, null))], "node-a");

        var port = Assert.Single(ports);
        Assert.Equal(["10.244.1.2:8080", "10.244.2.2:9090"], port.Endpoints.Select(e => e.Key));
        Assert.True(port.Endpoints[0].IsLocal);
        Assert.False(port.Endpoints[1].IsLocal);
    }

    [Fact]
    public void Nil_conditions_read_as_upstream_ready_serving_not_terminating()
    {
        var ports = ServicePorts.From(Service("web", "10.96.0.10"), [Slice("web", "http", 8080, ("10.244.1.2", "n", null, null), ("10.244.1.3", "n", false, true))], "node-a");

        var endpoints = Assert.Single(ports).Endpoints;
        Assert.Equal(new ProxyEndpoint("10.244.1.2", 8080, true, true, false, false), endpoints[0]);
        Assert.Equal(new ProxyEndpoint("10.244.1.3", 8080, false, false, true, false), endpoints[1]);
    }

    [Fact]
    public void Load_balancer_ingress_and_external_ips_are_external_destinations_and_policies_read()
    {
        var service = Service("web", "10.96.0.10", spec =>
        {
            spec.Type = "LoadBalancer";
            spec.ExternalIPs = ["192.0.2.7"];
            spec.ExternalTrafficPolicy = "Local";
            spec.InternalTrafficPolicy = "Local";
            spec.SessionAffinity = "ClientIP";
            spec.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = 60 } };
        }, new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP", NodePort = 30053 });
        service.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.100" }] } };

        var port = Assert.Single(ServicePorts.From(service, [], "node-a"));

        Assert.Equal(["192.0.2.7", "192.0.2.100"], port.ExternalIps);
        Assert.Equal((L4Protocol.Udp, 30053, 60), (port.Protocol, port.NodePort, port.AffinityTimeoutSeconds!.Value));
        Assert.True(port.ExternalPolicyLocal && port.InternalPolicyLocal);
    }

    [Fact]
    public void Headless_and_external_name_services_have_no_rules()
    {
        Assert.Empty(ServicePorts.From(Service("headless", "None"), [], "node-a"));
        Assert.Empty(ServicePorts.From(Service("ext", "10.96.0.11", s => s.Type = "ExternalName"), [], "node-a"));
    }
}
