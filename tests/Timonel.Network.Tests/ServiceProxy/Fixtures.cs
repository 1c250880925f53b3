using System.Net;
using k8s.Models;
using Timonel.Network.ServiceProxy;

namespace Timonel.Network.Tests.ServiceProxy;

/// <summary>Builders of Services, EndpointSlices and service ports for the model tests.</summary>
internal static class Fixtures
{
    public static readonly ProxyNode Node = new("node-a", [IPAddress.Parse("192.168.77.1")], "10.244.0.0/16");

    public static ProxyEndpoint Ready(string ip, bool local = false, int port = 8080) => new(ip, port, true, true, false, local);
    public static ProxyEndpoint Terminating(string ip, bool serving = true, bool local = false) => new(ip, 8080, false, serving, true, local);

    public static ServicePortInfo Port(string name = "web", string clusterIp = "10.96.0.10", params ProxyEndpoint[] endpoints) => new()
    {
        Namespace = "demo",
        ServiceName = name,
        PortName = "http",
        Protocol = L4Protocol.Tcp,
        ClusterIp = clusterIp,
        Port = 80,
        Endpoints = endpoints,
    };

    public static V1Service Service(string name, string clusterIp, Action<V1ServiceSpec>? change = null, params V1ServicePort[] ports)
    {
        var spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = clusterIp,
            Ports = ports.Length > 0 ? ports : [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = "web" }],
        };
        change?.Invoke(spec);
        return new V1Service { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "demo" }, Spec = spec };
    }

    public static V1EndpointSlice Slice(string service, string portName, int port, params (string Ip, string Node, bool? Ready, bool? Terminating)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = service + "-" + Guid.NewGuid().ToString("N")[..5],
            NamespaceProperty = "demo",
            Labels = new Dictionary<string, string> { [ServicePorts.ServiceNameLabel] = service },
        },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port, Protocol = "TCP" }],
        Endpoints = [.. endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Ip],
            NodeName = e.Node,
            Conditions = new V1EndpointConditions { Ready = e.Ready, Terminating = e.Terminating },
            Hints = new V1EndpointHints { ForZones = [new V1ForZone { Name = "zone-x" }] },
        })],
    };
}
