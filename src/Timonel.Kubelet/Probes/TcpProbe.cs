using System.Net.Sockets;
using k8s.Models;

namespace Timonel.Kubelet.Probes;

/// <summary>tcpSocket: passes when a TCP connection opens within the timeout; the connection is closed at once.</summary>
public sealed class TcpProbe(TimeProvider time, Func<Socket>? sockets = null)
{
    public async Task<ProbeOutcome> RunAsync(string? podIp, V1Container container, V1TCPSocketAction tcp, TimeSpan timeout, CancellationToken ct)
    {
        var port = ContainerPorts.Resolve(tcp.Port, container, out var portError);
        if (port is null)
        {
            return ProbeOutcome.Error(portError!);
        }
        var host = string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host;
        if (string.IsNullOrEmpty(host))
        {
            return ProbeOutcome.Error("pod has no IP yet");
        }
        return await ConnectAsync(host, port.Value, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Failure messages read like upstream's (Go's dialer): <c>dial tcp HOST:PORT: connect: connection refused</c>.</summary>
    private async Task<ProbeOutcome> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        var target = ContainerPorts.Join(host, port);
        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        try
        {
            using var socket = await ProbeSockets.ConnectAsync(sockets ?? ProbeSockets.Default, host, port, linked.Token).ConfigureAwait(false);
            return ProbeOutcome.Success();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Failure($"dial tcp {target}: i/o timeout");
        }
        catch (SocketException e)
        {
            return ProbeOutcome.Failure($"dial tcp {target}: connect: {Describe(e)}");
        }
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.TimedOut => "i/o timeout",
        _ => e.Message,
    };
}
