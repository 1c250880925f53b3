using k8s.Models;
using Timonel.Kubelet.Env;

namespace Timonel.Kubelet.Tests;

public sealed class ServiceEnvironmentTests
{
    private sealed class Services : IServiceSource
    {
        public List<V1Service> All { get; } = [];

        public Task<IReadOnlyList<V1Service>> ListServicesAsync(string ns, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<V1Service>>(All.Where(s => s.Metadata.NamespaceProperty == ns).ToList());
    }

    private static V1Service Svc(string ns, string name, string clusterIp, params (string? Name, int Port, string? Protocol)[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            ClusterIP = clusterIp,
            Ports = ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, Protocol = p.Protocol }).ToList(),
        },
    };

    private readonly Services _services = new()
    {
        All =
        {
            Svc("default", "kubernetes", "10.43.0.1", ("https", 443, "TCP")),
            Svc("shop", "cart-api", "10.43.0.20", ("http", 80, null), ("metrics", 9090, "TCP"), (null, 53, "UDP")),
            Svc("shop", "headless", "None", ("http", 80, null)),
            Svc("other", "elsewhere", "10.43.0.30", ("http", 80, null)),
        },
    };

    private async Task<Dictionary<string, string>> Build(bool? links, params V1EnvVar[] env)
    {
        var c = Make.Container();
        c.Env = env.ToList();
        var pod = Make.Pod(c);
        pod.Spec.EnableServiceLinks = links;
        var result = await new ContainerEnvironmentBuilder(new MemoryObjects(), services: _services).BuildAsync(Make.Context(pod), c, CancellationToken.None);
        Assert.Null(result.Error);
        return result.Variables.ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    [Fact]
    public async Task Services_of_the_namespace_and_the_master_service_become_variables()
    {
        var env = await Build(null);
        Assert.Equal("10.43.0.1", env["KUBERNETES_SERVICE_HOST"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT_HTTPS"]);
        Assert.Equal("tcp://10.43.0.1:443", env["KUBERNETES_PORT"]);
        Assert.Equal("tcp://10.43.0.1:443", env["KUBERNETES_PORT_443_TCP"]);
        Assert.Equal("tcp", env["KUBERNETES_PORT_443_TCP_PROTO"]);
        Assert.Equal("443", env["KUBERNETES_PORT_443_TCP_PORT"]);
        Assert.Equal("10.43.0.1", env["KUBERNETES_PORT_443_TCP_ADDR"]);

        Assert.Equal("10.43.0.20", env["CART_API_SERVICE_HOST"]);
        Assert.Equal("80", env["CART_API_SERVICE_PORT"]);
        Assert.Equal("9090", env["CART_API_SERVICE_PORT_METRICS"]);
        Assert.Equal("tcp://10.43.0.20:80", env["CART_API_PORT"]);
        Assert.Equal("udp://10.43.0.20:53", env["CART_API_PORT_53_UDP"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("HEADLESS_", StringComparison.Ordinal) || k.StartsWith("ELSEWHERE_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnableServiceLinks_false_keeps_only_the_master_service()
    {
        var env = await Build(false);
        Assert.Contains("KUBERNETES_SERVICE_HOST", env.Keys);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("CART_API_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Container_variables_win_and_can_refer_to_service_variables()
    {
        var env = await Build(null, Make.EnvVar("CART_API_SERVICE_HOST", "override"), Make.EnvVar("URL", "http://$(CART_API_SERVICE_HOST):$(CART_API_SERVICE_PORT)"));
        Assert.Equal("override", env["CART_API_SERVICE_HOST"]);
        Assert.Equal("http://override:80", env["URL"]);
    }
}
