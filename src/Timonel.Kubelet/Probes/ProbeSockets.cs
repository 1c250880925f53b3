using System.Net;
using System.Net.Sockets;

namespace Timonel.Kubelet.Probes;

/// <summary>
/// Where httpGet, tcpSocket and grpc probes and httpGet hooks connect from. By default the agent's
/// own network namespace, which is the node's, as the kubelet probes from the node; a factory that
/// makes its sockets inside another namespace (a socket stays in the namespace it was made in)
/// lets an agent, or a test, outside the node's namespace reach pod IPs.
/// </summary>
public static class ProbeSockets
{
    /// <summary>Connects a socket from <paramref name="create"/> to host:port (an IP or a name).</summary>
    public static async ValueTask<Socket> ConnectAsync(Func<Socket> create, string host, int port, CancellationToken ct)
    {
        var socket = create();
        try
        {
            EndPoint endPoint = IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
            await socket.ConnectAsync(endPoint, ct).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A handler for HTTP clients whose connections come from <paramref name="create"/> (null: the default dialer).</summary>
    public static SocketsHttpHandler Handler(Func<Socket>? create)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        if (create is not null)
        {
            handler.ConnectCallback = async (context, ct) =>
                new NetworkStream(await ConnectAsync(create, context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct).ConfigureAwait(false), ownsSocket: true);
        }
        return handler;
    }

    /// <summary>The default: a TCP socket in the agent's namespace (dual-mode, so IPv4 and IPv6 pod IPs both work).</summary>
    public static Socket Default() => new(SocketType.Stream, ProtocolType.Tcp);
}
