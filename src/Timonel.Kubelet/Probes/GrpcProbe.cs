using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using k8s.Models;
using Timonel.Kubelet.Probes.Health;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// grpc: calls grpc.health.v1.Health/Check (plaintext HTTP/2) on the pod's IP and the probe's
/// port, with the probe's service name (empty: the server as a whole). SERVING passes; any other
/// status, an error or the timeout fails, with messages worded as upstream's.
/// </summary>
public sealed class GrpcProbe(TimeProvider time, Func<Socket>? sockets = null)
{
    public async Task<ProbeOutcome> RunAsync(string? podIp, V1GRPCAction action, TimeSpan timeout, CancellationToken ct)
    {
        if (action.Port is <= 0 or > 65535)
        {
            return ProbeOutcome.Error($"invalid port number: {action.Port}");
        }
        if (string.IsNullOrEmpty(podIp))
        {
            return ProbeOutcome.Error("pod has no IP yet");
        }
        var target = ContainerPorts.Join(podIp, action.Port);
        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        using var channel = GrpcChannel.ForAddress($"http://{target}", new GrpcChannelOptions
        {
            HttpHandler = new KubeProbeUserAgent(WithConnectTimeout(ProbeSockets.Handler(sockets), timeout)),
            DisposeHttpClient = true,
            MaxRetryAttempts = 0,
        });
        var client = new Health.Health.HealthClient(channel);
        try
        {
            var response = await client.CheckAsync(new HealthCheckRequest { Service = action.Service ?? "" },
                new CallOptions(cancellationToken: linked.Token)).ConfigureAwait(false);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? ProbeOutcome.Success("service healthy")
                : ProbeOutcome.Failure($"service unhealthy (responded with \"{StatusName(response.Status)}\")");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return ProbeOutcome.Failure($"timeout: health rpc did not complete within {Seconds(timeout)}");
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return ProbeOutcome.Failure($"timeout: health rpc did not complete within {Seconds(timeout)}");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            return ProbeOutcome.Failure($"this server does not implement the grpc health protocol (grpc.health.v1.Health): {e.Status.Detail}");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            return ProbeOutcome.Failure($"timeout: failed to connect service \"{target}\" within {Seconds(timeout)}: {e.Status.Detail}");
        }
        catch (RpcException e)
        {
            return ProbeOutcome.Failure($"error: health rpc probe failed: {e.Status.StatusCode}: {e.Status.Detail}");
        }
    }

    private static SocketsHttpHandler WithConnectTimeout(SocketsHttpHandler handler, TimeSpan timeout)
    {
        handler.ConnectTimeout = timeout;
        return handler;
    }

    private static string StatusName(HealthCheckResponse.Types.ServingStatus status) => status switch
    {
        HealthCheckResponse.Types.ServingStatus.Unknown => "UNKNOWN",
        HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
        HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
        _ => status.ToString(),
    };

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s";

    /// <summary>grpc-dotnet sets its own User-Agent on every request; upstream's probe says kube-probe/1.35.</summary>
    private sealed class KubeProbeUserAgent(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.TryAddWithoutValidation("User-Agent", $"kube-probe/{HttpGetClient.KubernetesVersion}");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
