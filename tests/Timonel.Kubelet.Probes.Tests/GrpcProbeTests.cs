using System.Collections.Concurrent;
using Grpc.Core;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Timonel.Kubelet.Probes;
using Timonel.Kubelet.Probes.Health;
using ServingStatus = Timonel.Kubelet.Probes.Health.HealthCheckResponse.Types.ServingStatus;

namespace Timonel.Kubelet.Probes.Tests;

/// <summary>The statuses a test's health server answers, per service name ("" is the server as a whole).</summary>
public sealed class HealthStatuses
{
    public ConcurrentDictionary<string, ServingStatus> ByService { get; } = new();

    public ConcurrentQueue<string> UserAgents { get; } = new();

    public TimeSpan Delay { get; set; }
}

public sealed class TestHealthService(HealthStatuses statuses) : Health.Health.HealthBase
{
    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        statuses.UserAgents.Enqueue(context.RequestHeaders.GetValue("user-agent") ?? "");
        if (statuses.Delay > TimeSpan.Zero)
        {
            await Task.Delay(statuses.Delay, context.CancellationToken);
        }
        return statuses.ByService.TryGetValue(request.Service, out var status)
            ? new HealthCheckResponse { Status = status }
            : throw new RpcException(new Status(StatusCode.NotFound, "unknown service"));
    }
}

/// <summary>grpc probes against an in-process gRPC server (Kestrel, plaintext HTTP/2) on 127.0.0.1.</summary>
public sealed class GrpcProbeTests : IAsyncLifetime
{
    private readonly HealthStatuses _statuses = new();
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync(
        http2Only: true,
        services: b => b.Services.AddSingleton(_statuses).AddGrpc(),
        routes: app => app.MapGrpcService<TestHealthService>());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A probe; those that expect an answer allow 10 s (a loaded CI machine's first gRPC call can take over 1 s).</summary>
    private Task<ProbeOutcome> ProbeAsync(string? service = null, int? port = null, int timeoutSeconds = 10) =>
        new GrpcProbe(TimeProvider.System).RunAsync("127.0.0.1", new V1GRPCAction { Port = port ?? _server.Port, Service = service },
            TimeSpan.FromSeconds(timeoutSeconds), CancellationToken.None);

    [Fact]
    public async Task Serving_passes_and_not_serving_fails()
    {
        _statuses.ByService[""] = ServingStatus.Serving;
        _statuses.ByService["db"] = ServingStatus.NotServing;

        Assert.Equal(ProbeResult.Success, (await ProbeAsync()).Result);
        Assert.Equal(ProbeOutcome.Failure("service unhealthy (responded with \"NOT_SERVING\")"), await ProbeAsync("db"));
        Assert.All(_statuses.UserAgents, ua => Assert.StartsWith("kube-probe/1.35", ua, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_service_fails()
    {
        var outcome = await ProbeAsync("nope");

        Assert.Equal(ProbeResult.Failure, outcome.Result);
        Assert.Contains("unknown service", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_after_the_timeout_fails()
    {
        _statuses.ByService[""] = ServingStatus.Serving;
        _statuses.Delay = TimeSpan.FromSeconds(10);

        var outcome = await ProbeAsync(timeoutSeconds: 1);

        Assert.Equal(ProbeOutcome.Failure("timeout: health rpc did not complete within 1s"), outcome);
    }

    [Fact]
    public async Task No_server_fails_to_connect()
    {
        var other = await LoopbackServer.StartAsync();
        var port = other.Port;
        await other.DisposeAsync();

        var outcome = await ProbeAsync(port: port, timeoutSeconds: 1);

        Assert.Equal(ProbeResult.Failure, outcome.Result);
        Assert.StartsWith($"timeout: failed to connect service \"127.0.0.1:{port}\" within 1s", outcome.Output, StringComparison.Ordinal);
    }
}
