using System.Net;
using System.Text.RegularExpressions;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>The built-in Ingress on every node's ports 80 and 443: rules by host, wildcard sub-domain, path, TLS by SNI, and the status.</summary>
[Collection(ThreeNodeClusterCollection.Name)]
public sealed class IngressTests(ThreeNodeCluster cluster, IngressSetup ingress) : IClassFixture<IngressSetup>, IAsyncLifetime
{
    public Task InitializeAsync() => ingress.ReadyAsync(cluster);

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("a.example.test", "be-a")]
    [InlineData("b.example.test", "be-b")]
    [InlineData("x.apps.example.test", "be-wild")]
    [InlineData("other.apps.example.test", "be-wild")]
    // A wildcard stands for exactly one label; names no rule covers go to the default backend.
    [InlineData("apps.example.test", "be-default")]
    [InlineData("y.x.apps.example.test", "be-default")]
    [InlineData("c.example.test", "be-default")]
    public async Task Each_host_reaches_its_rules_Service_on_every_node(string host, string backend)
    {
        foreach (var nodeIp in cluster.NodeIps)
        {
            Assert.Equal(backend, await BackendAnsweringAsync(nodeIp, host, "/cgi-bin/name"));
        }
    }

    [Theory]
    [InlineData("/api/v1", "be-api")]
    // Prefix matches whole path elements: /apiary is not under /api.
    [InlineData("/apiary", "be-default")]
    [InlineData("/exact", "be-exact")]
    [InlineData("/exactly", "be-default")]
    [InlineData("/", "be-default")]
    public async Task Path_rules_pick_their_backend_and_the_rest_goes_to_the_default_backend(string path, string backend)
    {
        foreach (var nodeIp in cluster.NodeIps)
        {
            Assert.Equal(backend, await BackendAnsweringAsync(nodeIp, "paths.example.test", path));
        }
    }

    [Theory]
    [InlineData("a.example.test", "be-a")]
    [InlineData("b.example.test", "be-b")]
    public async Task TLS_serves_each_hosts_own_certificate_by_SNI_on_every_node(string host, string backend)
    {
        var made = ingress.Certificates[host];
        foreach (var nodeIp in cluster.NodeIps)
        {
            var (served, status, body) = await Run.UntilAsync(async () =>
            {
                var answer = await IngressHttp.TryGetTlsAsync(nodeIp, host, "/cgi-bin/name");
                return answer.Status is HttpStatusCode.ServiceUnavailable or 0 ? null : Tuple.Create(answer.Served, answer.Status, answer.Body);
            }, $"an HTTPS answer for {host} on {nodeIp}", 60);

            Assert.NotNull(served);
            Assert.Equal("CN=" + host, served.Subject);
            Assert.Equal(made.Thumbprint, served.Thumbprint);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(backend, IngressHttp.BackendOf(body));
        }
    }

    [Fact]
    public async Task The_Ingress_status_lists_every_nodes_address()
    {
        var expected = string.Join(',', cluster.NodeIps.Order(StringComparer.Ordinal));
        var row = await Run.UntilAsync(async () =>
        {
            // NAME   CLASS   HOSTS   ADDRESS   PORTS   AGE: columns apart by 3 spaces at least, PORTS is "80, 443".
            var cols = Regex.Split((await cluster.KubectlOk("get", "ingress", "hosts", "-n", ingress.Namespace, "--no-headers")).Trim(), @"\s{2,}");
            return cols.Length == 6 ? cols : null;
        }, "an ADDRESS for Ingress hosts", 60, async () => await cluster.KubectlOk("get", "ingress", "-n", ingress.Namespace, "-o", "yaml"));

        Assert.Equal("timonel", row[1]);
        Assert.Equal("a.example.test,b.example.test,*.apps.example.test", row[2]);
        Assert.Equal(expected, string.Join(',', row[3].Split(',').Order(StringComparer.Ordinal)));
        Assert.Equal("80, 443", row[4]);
    }

    /// <summary>
    /// The backend answering GET PATH with `Host: host` on the node's port 80; 503 (endpoints not
    /// programmed yet) and refused connections are retried, any other answer is the result.
    /// </summary>
    private static async Task<string> BackendAnsweringAsync(string nodeIp, string host, string path)
    {
        var (status, body) = await Run.UntilAsync(async () =>
        {
            var answer = await IngressHttp.TryGetAsync(nodeIp, host, path);
            return answer.Status is HttpStatusCode.ServiceUnavailable or 0 ? null : Tuple.Create(answer.Status, answer.Body);
        }, $"an answer for http://{host}{path} on {nodeIp}", 60);
        Assert.True(status == HttpStatusCode.OK, $"http://{host}{path} on {nodeIp} answered {(int)status}: {body}");
        return IngressHttp.BackendOf(body);
    }
}
