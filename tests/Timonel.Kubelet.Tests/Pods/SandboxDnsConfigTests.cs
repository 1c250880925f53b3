using Timonel.Kubelet.Containers;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class SandboxDnsConfigTests
{
    private static readonly PodWorkerOptions Options = new() { NodeName = "node-a", HostIp = "192.168.50.2", PodLogRoot = "/tmp/timonel-test/logs" };

    [Fact]
    public void The_sandbox_carries_what_the_dns_configurer_computed_for_the_pod()
    {
        var pod = Make.Pod(Make.Container());
        PodDnsConfigurer dns = p =>
        {
            var config = new DNSConfig();
            config.Servers.Add("10.43.0.10");
            config.Searches.Add(p.Metadata.NamespaceProperty + ".svc.cluster.local");
            config.Options.Add("ndots:5");
            return config;
        };
        var sandbox = CriConfigs.Sandbox(Make.Context(pod, null), Options, new ContainerRuntimeSettings(), 0, dns);
        Assert.Equal(["10.43.0.10"], sandbox.DnsConfig.Servers);
        Assert.Equal(["shop.svc.cluster.local"], sandbox.DnsConfig.Searches);
        Assert.Equal(["ndots:5"], sandbox.DnsConfig.Options);
    }

    [Fact]
    public void Without_a_configurer_or_a_result_the_runtime_keeps_its_default()
    {
        var pod = Make.Pod(Make.Container());
        Assert.Null(CriConfigs.Sandbox(Make.Context(pod, null), Options, new ContainerRuntimeSettings(), 0).DnsConfig);
        Assert.Null(CriConfigs.Sandbox(Make.Context(pod, null), Options, new ContainerRuntimeSettings(), 0, _ => null).DnsConfig);
    }
}
