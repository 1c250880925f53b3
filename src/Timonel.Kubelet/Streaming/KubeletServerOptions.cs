using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Kubelet.Streaming;

/// <summary>Where and as whom the agent's HTTPS endpoint listens, and whom it lets in.</summary>
public sealed record KubeletServerOptions
{
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>10250 as the kubelet; 0 lets the system pick (tests), see <see cref="KubeletServer.Port"/>.</summary>
    public int Port { get; init; } = 10250;

    /// <summary>The agent's serving certificate with its private key (signed by the cluster CA at join).</summary>
    public required X509Certificate2 ServingCertificate { get; init; }

    /// <summary>The cluster CA: client certificates must chain to it.</summary>
    public required X509Certificate2 ClientCa { get; init; }

    /// <summary>
    /// Opens a connection to the runtime's streaming server (the URL CRI Exec returned). The
    /// default dials it over TCP from this process's network namespace, which is the runtime's
    /// when the agent runs in the node's namespace.
    /// </summary>
    public Func<Uri, CancellationToken, ValueTask<Stream>> ConnectRuntime { get; init; } = ConnectTcpAsync;

    /// <summary>Options from PEM files, as the agent keeps its credentials (serving certificate and key from the join, the cluster CA).</summary>
    public static KubeletServerOptions FromPemFiles(string servingCertPath, string servingKeyPath, string caPath, IPAddress? bindAddress = null, int port = 10250)
    {
        using var pem = X509Certificate2.CreateFromPemFile(servingCertPath, servingKeyPath);
        return new KubeletServerOptions
        {
            BindAddress = bindAddress ?? IPAddress.Any,
            Port = port,
            // Through PKCS#12 so SslStream can use the key on every platform.
            ServingCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null),
            ClientCa = X509CertificateLoader.LoadCertificateFromFile(caPath),
        };
    }

    public static async ValueTask<Stream> ConnectTcpAsync(Uri url, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(url.Host, url.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
