using k8s.Models;
using Timonel.Kubelet.Probes;

namespace Timonel.Kubelet.Probes.Tests;

/// <summary>httpGet probes against a real Kestrel on 127.0.0.1 (the "pod IP").</summary>
public sealed class HttpProbeTests : IAsyncLifetime
{
    private readonly HttpGetClient _client = new(TimeProvider.System);
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private Task<ProbeOutcome> ProbeAsync(string path, IList<V1HTTPHeader>? headers = null, int timeoutSeconds = 1, string? scheme = null, IntOrString? port = null, V1Container? container = null, int? serverPort = null)
    {
        container ??= new V1Container { Name = "app" };
        var action = new V1HTTPGetAction { Path = path, Port = port ?? (serverPort ?? _server.Port), HttpHeaders = headers, Scheme = scheme };
        return new HttpProbe(_client).RunAsync("127.0.0.1", container, action, TimeSpan.FromSeconds(timeoutSeconds), CancellationToken.None);
    }

    [Theory]
    [InlineData(200, ProbeResult.Success)]
    [InlineData(204, ProbeResult.Success)]
    [InlineData(399, ProbeResult.Warning)]
    [InlineData(400, ProbeResult.Failure)]
    [InlineData(404, ProbeResult.Failure)]
    [InlineData(500, ProbeResult.Failure)]
    public async Task Status_codes_200_to_399_pass(int code, ProbeResult expected)
    {
        var outcome = await ProbeAsync($"/status/{code}");

        Assert.True(expected == outcome.Result, outcome.Output);
        if (expected == ProbeResult.Failure)
        {
            Assert.Equal($"HTTP probe failed with statuscode: {code}", outcome.Output);
        }
    }

    [Fact]
    public async Task Sends_kube_probe_user_agent_accept_all_and_the_spec_headers()
    {
        var outcome = await ProbeAsync("/echo", [new V1HTTPHeader { Name = "X-Custom", Value = "yes" }, new V1HTTPHeader { Name = "Host", Value = "svc.example" }]);

        Assert.Equal(ProbeResult.Success, outcome.Result);
        Assert.Equal("ua=kube-probe/1.35;accept=*/*;custom=yes;host=svc.example", outcome.Output);
    }

    [Fact]
    public async Task Spec_headers_override_user_agent_and_an_empty_accept_removes_it()
    {
        var outcome = await ProbeAsync("/echo", [new V1HTTPHeader { Name = "User-Agent", Value = "mine/2" }, new V1HTTPHeader { Name = "Accept", Value = "" }]);

        Assert.Equal($"ua=mine/2;accept=;custom=;host=127.0.0.1:{_server.Port}", outcome.Output);
    }

    [Fact]
    public async Task A_redirect_on_the_same_host_is_followed()
    {
        var outcome = await ProbeAsync("/redirect/same");

        Assert.Equal(ProbeOutcome.Success("ok"), outcome);
        Assert.Contains(_server.Requests, r => r.Path == "/ok");
    }

    [Fact]
    public async Task A_redirect_to_another_host_is_not_followed_and_passes_with_a_warning()
    {
        var outcome = await ProbeAsync("/redirect/other");

        Assert.Equal(ProbeResult.Warning, outcome.Result);
        Assert.StartsWith("Probe terminated redirects, Response body: ", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Requests, r => r.Path == "/status/500");
    }

    [Fact]
    public async Task More_than_ten_redirects_fail()
    {
        var outcome = await ProbeAsync("/redirect/loop");

        Assert.Equal(ProbeResult.Failure, outcome.Result);
        Assert.EndsWith("stopped after 10 redirects", outcome.Output, StringComparison.Ordinal);
        Assert.Equal(11, _server.Requests.Count(r => r.Path == "/redirect/loop"));
    }

    [Fact]
    public async Task No_answer_within_the_timeout_fails()
    {
        var outcome = await ProbeAsync("/slow", timeoutSeconds: 1);

        Assert.Equal(ProbeResult.Failure, outcome.Result);
        Assert.Contains("Client.Timeout exceeded", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_body_is_read_only_up_to_10_KiB()
    {
        var outcome = await ProbeAsync("/big");

        Assert.Equal(ProbeResult.Success, outcome.Result);
        Assert.Equal(HttpGetClient.BodyLimit, outcome.Output.Length);
    }

    [Fact]
    public async Task A_named_port_is_resolved_from_the_container_ports()
    {
        var container = new V1Container { Name = "app", Ports = [new V1ContainerPort { Name = "http", ContainerPort = _server.Port }] };

        Assert.Equal(ProbeOutcome.Success("ok"), await ProbeAsync("/ok", port: "http", container: container));
        var missing = await ProbeAsync("/ok", port: "metrics", container: container);
        Assert.Equal(ProbeOutcome.Error("couldn't find port: metrics in app"), missing);
    }

    [Fact]
    public async Task Connection_refused_fails_with_the_dial_error()
    {
        var closed = await LoopbackServer.StartAsync();
        var port = closed.Port;
        await closed.DisposeAsync();

        var outcome = await ProbeAsync("/ok", serverPort: port);

        Assert.Equal(ProbeOutcome.Failure($"Get \"http://127.0.0.1:{port}/ok\": dial tcp 127.0.0.1:{port}: connect: connection refused"), outcome);
    }

    [Fact]
    public async Task Https_is_probed_without_verifying_the_certificate()
    {
        await using var tls = await LoopbackServer.StartAsync(https: true);

        var outcome = await ProbeAsync("/ok", scheme: "HTTPS", serverPort: tls.Port);

        Assert.Equal(ProbeOutcome.Success("ok"), outcome);
    }
}
