using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Network.ServiceProxy;

namespace Timonel.Network.Tests.Kernel;

/// <summary>
/// The model's rules in a real kernel (root): each test writes a table with the real nft into
/// the lab's node namespace and sends real HTTP requests with curl.
/// </summary>
public sealed class KernelRulesTests : IAsyncLifetime
{
    private const string ClusterIp = "10.96.0.10";
    private const string ServiceUrl = "http://10.96.0.10/";
    private NetLab _lab = null!;

    public async Task InitializeAsync() => _lab = await NetLab.CreateAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static ServicePortInfo Web(params string[] endpoints) => new()
    {
        Namespace = "demo",
        ServiceName = "web",
        PortName = "http",
        Protocol = L4Protocol.Tcp,
        ClusterIp = ClusterIp,
        Port = 80,
        Endpoints = [.. endpoints.Select(ip => new ProxyEndpoint(ip, 80, true, true, false, true))],
    };

    private async Task<NftWriteResult> WriteAsync(NftTableWriter writer, ServicePortInfo port, bool verify = false)
    {
        var result = await writer.WriteAsync(NftRules.Build(_lab.ProxyNode, [port]), verify, CancellationToken.None);
        Assert.True(result.Ok, result.Error);
        return result;
    }

    [Fact]
    public async Task Cluster_ip_reaches_both_endpoints_and_an_endpoint_removed_gets_no_more_traffic()
    {
        var writer = new NftTableWriter(_lab.Nft, NullLogger.Instance);
        Assert.True((await WriteAsync(writer, Web(NetLab.PodA, NetLab.PodB))).Full);

        var fromOutside = await NetLab.AnswersAsync(_lab.Client, ServiceUrl, 40);
        Assert.Equal(["pod-a", "pod-b"], fromOutside.Keys.Order());
        // From a pod, including the hairpin case where pod-a is picked for itself.
        var fromPod = await NetLab.AnswersAsync(_lab.PodANs, ServiceUrl, 40);
        Assert.Equal(["pod-a", "pod-b"], fromPod.Keys.Order());

        var shrunk = await WriteAsync(writer, Web(NetLab.PodA));
        Assert.False(shrunk.Full);
        Assert.Equal(new Dictionary<string, int> { ["pod-a"] = 30 }, await NetLab.AnswersAsync(_lab.Client, ServiceUrl, 30));
    }

    [Fact]
    public async Task Service_without_endpoints_refuses_connections_at_once_from_everywhere()
    {
        var writer = new NftTableWriter(_lab.Nft, NullLogger.Instance);
        await WriteAsync(writer, Web() with { NodePort = 30080 });

        // Forwarded (client host, pod), locally generated (node) and NodePort (input) paths.
        foreach (var (ns, url) in new[] { (_lab.Client, ServiceUrl), (_lab.PodANs, ServiceUrl), (_lab.Node, ServiceUrl), (_lab.Client, $"http://{NetLab.NodeAddress}:30080/") })
        {
            // Exit 7 is "could not connect" (a reject); a silently dropped SYN would be 28 after curl's 5 s.
            var (exit, _, error) = await NetLab.CurlAsync(ns, url);
            Assert.True(exit == 7, $"{ns} {url}: curl exit {exit}: {error}");
        }
        // A cluster IP port no service has is refused too.
        var other = await NetLab.CurlAsync(_lab.Client, "http://10.96.0.10:81/");
        Assert.Equal(7, other.Exit);
    }

    [Fact]
    public async Task Node_port_answers_on_the_node_address_from_a_host_outside_the_cluster()
    {
        var writer = new NftTableWriter(_lab.Nft, NullLogger.Instance);
        await WriteAsync(writer, Web(NetLab.PodA, NetLab.PodB) with { NodePort = 30080 });

        var answers = await NetLab.AnswersAsync(_lab.Client, $"http://{NetLab.NodeAddress}:30080/", 40);
        Assert.Equal(["pod-a", "pod-b"], answers.Keys.Order());
        // Also on the node's other address (the bridge), reached from a pod.
        var fromPod = await NetLab.AnswersAsync(_lab.PodBNs, "http://10.244.1.1:30080/", 10);
        Assert.All(fromPod.Keys, k => Assert.StartsWith("pod-", k, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Session_affinity_client_ip_keeps_each_client_on_one_endpoint()
    {
        var writer = new NftTableWriter(_lab.Nft, NullLogger.Instance);
        await WriteAsync(writer, Web(NetLab.PodA, NetLab.PodB) with { AffinityTimeoutSeconds = 600 });

        var client = await NetLab.AnswersAsync(_lab.Client, ServiceUrl, 30);
        Assert.Single(client);
        Assert.StartsWith("pod-", client.Keys.Single(), StringComparison.Ordinal);
        var pod = await NetLab.AnswersAsync(_lab.PodBNs, ServiceUrl, 30);
        Assert.Single(pod);
        Assert.StartsWith("pod-", pod.Keys.Single(), StringComparison.Ordinal);
        Assert.Contains("update @affinity-", await _lab.ListTableAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flushed_table_is_noticed_and_rewritten_whole()
    {
        var writer = new NftTableWriter(_lab.Nft, NullLogger.Instance);
        await WriteAsync(writer, Web(NetLab.PodA));
        var (exit, _, error) = await NetLab.RunAsync("nsenter", ["--net=" + NetLab.PathOf(_lab.Node), "nft", "flush", "table", "ip", "timonel"]);
        Assert.True(exit == 0, error);
        Assert.NotEqual(0, (await NetLab.CurlAsync(_lab.Client, ServiceUrl)).Exit);

        Assert.Equal("", NftTransaction.Incremental(writer.Written!, NftRules.Build(_lab.ProxyNode, [Web(NetLab.PodA)])));
        var rewritten = await WriteAsync(writer, Web(NetLab.PodA), verify: true);

        Assert.True(rewritten.Full);
        Assert.Equal("pod-a", (await NetLab.CurlAsync(_lab.Client, ServiceUrl)).Body);
    }
}
