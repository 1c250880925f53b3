using System.Net.Sockets;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Probes;

/// <summary>The real <see cref="IProbeActionRunner"/>: picks the probe's one action and runs it.</summary>
public sealed class ProbeActionRunner(ExecProbe exec, HttpProbe http, TcpProbe tcp, GrpcProbe grpc) : IProbeActionRunner
{
    /// <param name="sockets">Where tcpSocket and grpc probes connect from (<see cref="ProbeSockets"/>); the HTTP client has its own.</param>
    public static ProbeActionRunner Create(IContainerCommandRunner commands, HttpGetClient httpClient, TimeProvider time, Func<Socket>? sockets = null) =>
        new(new ExecProbe(commands), new HttpProbe(httpClient), new TcpProbe(time, sockets), new GrpcProbe(time, sockets));

    public Task<ProbeOutcome> RunAsync(PodContext pod, V1Container container, string containerId, V1Probe probe, TimeSpan timeout, CancellationToken ct) => probe switch
    {
        { Exec: { } a } => exec.RunAsync(containerId, a, timeout, ct),
        { HttpGet: { } a } => http.RunAsync(pod.PodIp, container, a, timeout, ct),
        { TcpSocket: { } a } => tcp.RunAsync(pod.PodIp, container, a, timeout, ct),
        { Grpc: { } a } => grpc.RunAsync(pod.PodIp, a, timeout, ct),
        _ => Task.FromResult(ProbeOutcome.Error("probe has no action (exec, httpGet, tcpSocket or grpc)")),
    };
}
