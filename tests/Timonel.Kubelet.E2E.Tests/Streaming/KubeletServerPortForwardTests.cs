using System.Net;
using System.Net.Http.Headers;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>The agent's port-forward endpoint refuses what it cannot serve with plain HTTP answers (the working path: KubectlStreamingTests).</summary>
public sealed partial class KubeletServerTests
{
    [Fact]
    public async Task Port_forward_needs_a_spdy_upgrade_the_portforward_protocol_and_a_running_sandbox()
    {
        using var http = _client.Http();
        var plain = await http.GetAsync("portForward/default/nope");
        Assert.Equal((HttpStatusCode.BadRequest, "port forwarding needs an HTTP/1.1 SPDY/3.1 upgrade\n"), (plain.StatusCode, await plain.Content.ReadAsStringAsync()));

        var otherProtocol = await http.SendAsync(SpdyUpgrade("portForward/default/nope", "v4.channel.k8s.io"));
        Assert.Equal(HttpStatusCode.Forbidden, otherProtocol.StatusCode);
        Assert.Contains("unable to negotiate protocol", await otherProtocol.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var badPort = await http.SendAsync(SpdyUpgrade("portForward/default/nope?ports=http", "portforward.k8s.io"));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid port: \"http\"\n"), (badPort.StatusCode, await badPort.Content.ReadAsStringAsync()));

        var noSandbox = await http.SendAsync(SpdyUpgrade("portForward/default/nope", "portforward.k8s.io"));
        Assert.Equal(HttpStatusCode.NotFound, noSandbox.StatusCode);
        Assert.Contains("pod \"nope\" in namespace \"default\" has no running sandbox on this node", await noSandbox.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage SpdyUpgrade(string path, string streamProtocol)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Version = HttpVersion.Version11, Content = new ByteArrayContent([]) };
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("SPDY", "3.1"));
        request.Headers.Add("X-Stream-Protocol-Version", streamProtocol);
        return request;
    }
}
