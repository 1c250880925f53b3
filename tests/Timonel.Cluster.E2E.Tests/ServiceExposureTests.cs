using System.Net;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>Namespace `expose`: Deployment `web` (3 http pods, one per node), Service `web-np` (NodePort) and `web-lb` (LoadBalancer).</summary>
public sealed class ServiceExposureSetup() : NamespaceFixture("expose")
{
    protected override async Task SetUpAsync()
    {
        await ApplyAsync(HttpWorkloads.Deployment("web", 3) + "\n"
            + HttpWorkloads.Service("web-np", "web", "NodePort") + "\n"
            + HttpWorkloads.Service("web-lb", "web", "LoadBalancer"));
        await Run.UntilAsync(async () => (await PodNodesAsync("app=web")).Count == 3 ? "" : null, "3 pods of web", 60);
        await PodsReadyAsync("app=web");
    }
}

/// <summary>From the host: a NodePort Service on every node's address, a LoadBalancer Service on its pool address.</summary>
[Collection(ThreeNodeClusterCollection.Name)]
public sealed class ServiceExposureTests(ThreeNodeCluster cluster, ServiceExposureSetup expose) : IClassFixture<ServiceExposureSetup>, IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public Task InitializeAsync() => expose.ReadyAsync(cluster);

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_NodePort_answers_on_every_nodes_address_from_pods_on_every_node()
    {
        var nodePort = (await cluster.KubectlOk("get", "svc", "web-np", "-n", expose.Namespace, "-o", "jsonpath={.spec.ports[0].nodePort}")).Trim();
        Assert.True(int.TryParse(nodePort, out var port) && port is >= 30000 and <= 32767, $"nodePort '{nodePort}'");
        var podNodes = await expose.PodNodesAsync("app=web");
        Assert.Equal(cluster.NodeNames.Order(), podNodes.Values.Order());

        var answeringNodes = new HashSet<string>();
        foreach (var nodeIp in cluster.NodeIps)
        {
            var url = $"http://{nodeIp}:{port}/cgi-bin/name";
            // The first answer may wait for the node's rules; after it, every request must succeed.
            await Run.UntilAsync(() => TryGetAsync(url), $"an answer from {url}", 60);
            for (var i = 0; i < 20; i++)
            {
                var pod = await GetAsync(url);
                Assert.True(podNodes.TryGetValue(pod, out var node), $"{url} answered '{pod}', not a pod of web");
                answeringNodes.Add(node);
            }
        }
        // Each connection is a new pick among the 3 endpoints: 60 picks reach pods on every node.
        Assert.Equal(cluster.NodeNames.Order(), answeringNodes.Order());
    }

    [Fact]
    public async Task A_LoadBalancer_Service_gets_an_address_from_the_pool_that_answers_from_the_host()
    {
        var externalIp = await Run.UntilAsync(async () =>
        {
            var row = (await cluster.KubectlOk("get", "svc", "web-lb", "-n", expose.Namespace, "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return row is [_, "LoadBalancer", _, var ip, ..] && ip != "<pending>" ? ip : null;
        }, "an EXTERNAL-IP for web-lb", 60, async () => await cluster.KubectlOk("get", "svc", "-n", expose.Namespace, "-o", "wide"));

        var address = IPAddress.Parse(externalIp);
        Assert.StartsWith(cluster.Net.Prefix + ".", externalIp);
        Assert.InRange(address.GetAddressBytes()[3], 200, 250);
        var statusIp = (await cluster.KubectlOk("get", "svc", "web-lb", "-n", expose.Namespace, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Trim();
        Assert.Equal(externalIp, statusIp);

        var podNames = (await expose.PodNodesAsync("app=web")).Keys.ToHashSet();
        var url = $"http://{externalIp}/cgi-bin/name";
        await Run.UntilAsync(() => TryGetAsync(url), $"an answer from {url}", 60);
        for (var i = 0; i < 5; i++)
        {
            Assert.Contains(await GetAsync(url), podNames);
        }
    }

    /// <summary>A GET on a fresh connection (so that each request is a new pick among endpoints): status and body.</summary>
    private async Task<(HttpStatusCode Status, string Body)> FetchAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
    }

    private async Task<string> GetAsync(string url)
    {
        var (status, body) = await FetchAsync(url);
        Assert.True(status == HttpStatusCode.OK, $"{url} answered {(int)status}: {body}");
        return body;
    }

    private async Task<string?> TryGetAsync(string url)
    {
        try
        {
            var (status, body) = await FetchAsync(url);
            return status == HttpStatusCode.OK ? body : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
