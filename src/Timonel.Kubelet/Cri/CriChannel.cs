using System.Net.Sockets;
using Grpc.Net.Client;

namespace Timonel.Kubelet.Cri;

/// <summary>A gRPC channel to a container runtime's CRI endpoint on a unix socket.</summary>
public static class CriChannel
{
    /// <summary>
    /// Opens a channel whose every HTTP/2 connection dials <paramref name="socketPath"/>. The
    /// "http://localhost" authority only names the stream; nothing is resolved or dialled on the
    /// network. No connection is made until the first call.
    /// </summary>
    public static GrpcChannel ForUnixSocket(string socketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            // containerd closes idle connections of its own accord; keep-alive pings notice a dead
            // runtime on a long call (a slow pull) instead of waiting on a socket nobody serves.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true,
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            // Image lists and verbose statuses can be large; the CRI runtime sets no lower bound.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }
}
