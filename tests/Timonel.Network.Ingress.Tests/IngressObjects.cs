using k8s.Models;

namespace Timonel.Network.Ingress.Tests;

/// <summary>Small builders of the objects the ingress reads.</summary>
internal static class IngressObjects
{
    public static V1Ingress NewIngress(string ns, string name, string? className, params V1IngressRule[] rules) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "Ingress",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1IngressSpec { IngressClassName = className, Rules = rules },
    };

    public static V1IngressRule Rule(string? host, params V1HTTPIngressPath[] paths) => new()
    {
        Host = host,
        Http = new V1HTTPIngressRuleValue { Paths = paths },
    };

    public static V1HTTPIngressPath Path(string path, string type, string service, int port) => new()
    {
        Path = path,
        PathType = type,
        Backend = Backend(service, port),
    };

    public static V1HTTPIngressPath PathToNamedPort(string path, string type, string service, string portName) => new()
    {
        Path = path,
        PathType = type,
        Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Name = portName } } },
    };

    public static V1IngressBackend Backend(string service, int port) =>
        new() { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Number = port } } };

    public static V1IngressClass TimonelClass(bool isDefault = true) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "IngressClass",
        Metadata = new V1ObjectMeta
        {
            Name = "timonel",
            Annotations = isDefault ? new Dictionary<string, string> { ["ingressclass.kubernetes.io/is-default-class"] = "true" } : null,
        },
        Spec = new V1IngressClassSpec { Controller = "timonel.io/ingress" },
    };

    /// <summary>A Service without selector: its endpoints are the slices the test writes.</summary>
    public static V1Service Service(string ns, string name, params (string Name, int Port)[] ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Ports = [.. ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, Protocol = "TCP", TargetPort = p.Port })],
        },
    };

    public static V1EndpointSlice Slice(string ns, string service, string portName, int port, params (string Ip, bool? Ready)[] endpoints) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = service + "-" + portName,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port, Protocol = "TCP" }],
        Endpoints = [.. endpoints.Select(e => new V1Endpoint { Addresses = [e.Ip], Conditions = new V1EndpointConditions { Ready = e.Ready } })],
    };
}

/// <summary>An <see cref="IIngressSource"/> over plain lists.</summary>
internal sealed class ListSource : IIngressSource
{
    public List<V1Ingress> IngressList { get; } = [];
    public List<V1IngressClass> Classes { get; } = [IngressObjects.TimonelClass()];
    public List<V1Service> Services { get; } = [];
    public List<V1EndpointSlice> Slices { get; } = [];

    public IEnumerable<V1Ingress> Ingresses() => IngressList;
    public IEnumerable<V1IngressClass> IngressClasses() => Classes;
    public V1Service? Service(string ns, string name) => Services.FirstOrDefault(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == name);

    public IEnumerable<V1EndpointSlice> SlicesOf(string ns, string service) =>
        Slices.Where(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Labels["kubernetes.io/service-name"] == service);

    /// <summary>A Service "name" with port 80 named "http" whose one ready endpoint is ip:8080.</summary>
    public ListSource WithBackend(string ns, string name, string ip)
    {
        Services.Add(IngressObjects.Service(ns, name, ("http", 80)));
        Slices.Add(IngressObjects.Slice(ns, name, "http", 8080, (ip, true)));
        return this;
    }
}
