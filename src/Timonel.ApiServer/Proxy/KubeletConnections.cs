using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Proxy;

/// <summary>
/// HTTPS and WebSocket connections to node agents: the API server's kubelet client certificate
/// out, and the agent's serving certificate checked against the cluster CA. The host name is
/// not checked (agents are addressed by IP and their certificate is the CA's word for the node),
/// as the kubelet's own client in upstream does unless told otherwise.
/// </summary>
public sealed class KubeletConnections : IDisposable
{
    private readonly X509Certificate2 _clientCertificate;
    private readonly X509Certificate2 _ca;
    private readonly HttpClient _http;
    private readonly HttpMessageInvoker _forwarding;

    public KubeletConnections(X509Certificate2 clientCertificate, X509Certificate2 clusterCa)
    {
        _clientCertificate = clientCertificate;
        _ca = clusterCa;
        _http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = SslOptions(),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            // Follow streams last as long as the client reads them.
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
        };
        _forwarding = new HttpMessageInvoker(new SocketsHttpHandler
        {
            SslOptions = SslOptions(),
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        }, disposeHandler: true);
    }

    public HttpClient Http => _http;

    /// <summary>For requests relayed as they are (pods/proxy): no redirects followed, no cookies, no decompression.</summary>
    public HttpMessageInvoker Forwarding => _forwarding;

    /// <summary>A WebSocket to the agent offering the client's subprotocols (the agent picks); HTTP/1.1 upgrade, as kubectl's own.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(Uri uri, IEnumerable<string> subProtocols, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version11;
        socket.Options.ClientCertificates.Add(_clientCertificate);
        socket.Options.RemoteCertificateValidationCallback = Validate;
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var protocol in subProtocols) socket.Options.AddSubProtocol(protocol);
        try
        {
            await socket.ConnectAsync(uri, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A bare TLS connection to the agent speaking HTTP/1.1, for upgrades HttpClient does not hand over (SPDY).</summary>
    public async Task<Stream> ConnectTlsAsync(Uri agent, CancellationToken ct)
    {
        var tcp = new System.Net.Sockets.TcpClient { NoDelay = true };
        SslStream? tls = null;
        try
        {
            await tcp.ConnectAsync(agent.Host.Trim('[', ']'), agent.Port, ct);
            tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            var options = SslOptions();
            options.TargetHost = agent.Host.Trim('[', ']');
            options.ApplicationProtocols = [SslApplicationProtocol.Http11];
            await tls.AuthenticateAsClientAsync(options, ct);
            return tls;
        }
        catch
        {
            if (tls is not null) await tls.DisposeAsync();
            tcp.Dispose();
            throw;
        }
    }

    private SslClientAuthenticationOptions SslOptions() => new()
    {
        ClientCertificates = new X509CertificateCollection { _clientCertificate },
        RemoteCertificateValidationCallback = Validate,
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors __)
    {
        if (certificate is not X509Certificate2 cert) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert) && chain.ChainElements[^1].Certificate.Thumbprint == _ca.Thumbprint;
    }

    /// <summary>The certificates stay with their owner (<see cref="Security.ServerCredentials.KubeletClient"/>).</summary>
    public void Dispose()
    {
        _http.Dispose();
        _forwarding.Dispose();
    }
}
