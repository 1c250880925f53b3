using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Network.Ingress.Tests;

/// <summary>
/// One real `timonel server`, loopback pods, and the real ingress (<see cref="IngressProxy"/>
/// with its own informers) on 127.0.0.1 high ports, shared by one test class. Everything is
/// stopped and removed in <see cref="DisposeAsync"/>.
/// </summary>
public sealed class IngressCluster : IAsyncLifetime
{
    private readonly CancellationTokenSource _stop = new();
    private ServerProcess? _server;
    private ApiConnection? _api;
    private LoopbackPods? _pods;
    private Task? _ingressRun;
    private int _namespaces;

    public ApiConnection Api => _api ?? throw new InvalidOperationException("not started");
    public IngressProxy Proxy { get; private set; } = null!;
    public int HttpPort { get; } = ServerProcess.FreePort();
    public int HttpsPort { get; } = ServerProcess.FreePort();
    public int PodPort { get; } = ServerProcess.FreePort();
    public string ServerOutput => _server?.Output ?? "";

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartNewAsync();
        _api = ApiConnection.FromKubeconfig(_server.Kubeconfig);
        _pods = new LoopbackPods(PodPort);
        Proxy = new IngressProxy(_api, new IngressOptions
        {
            ListenAddress = IPAddress.Loopback,
            HttpPort = HttpPort,
            HttpsPort = HttpsPort,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        });
        _ingressRun = Proxy.RunAsync(_stop.Token);
        await Proxy.Ready.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task StartPodAsync(string name, string ip) => _pods!.StartAsync(name, ip);

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_ingressRun is not null)
        {
            await _ingressRun;
        }
        if (_pods is not null)
        {
            await _pods.DisposeAsync();
        }
        _api?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _stop.Dispose();
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        (await Api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } })).Require();
        return name;
    }

    /// <summary>A selector-less Service (port 80 "http") whose slice lists the given endpoints on the pods' port.</summary>
    public async Task CreateBackendAsync(string ns, string name, params (string Ip, bool Ready)[] endpoints)
    {
        (await Api.CreateAsync(IngressObjects.Service(ns, name, ("http", 80)))).Require();
        (await Api.CreateAsync(IngressObjects.Slice(ns, name, "http", PodPort, [.. endpoints.Select(e => (e.Ip, (bool?)e.Ready))]))).Require();
    }

    /// <summary>
    /// A client that connects every request to the ingress (any host name in the URL) and keeps
    /// the certificate the server presented; certificates are accepted (checked by the test).
    /// </summary>
    public HttpClient Client(Action<X509Certificate2>? serverCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is not null)
            {
                serverCertificate?.Invoke(new X509Certificate2(certificate));
            }
            return true;
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Http(string host, string path) => $"http://{host}:{HttpPort}{path}";
    public string Https(string host, string path) => $"https://{host}:{HttpsPort}{path}";

    /// <summary>The certificate the ingress presents for a TLS handshake with this SNI (null: none sent).</summary>
    public async Task<X509Certificate2> CertificateForAsync(string? serverName)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, HttpsPort);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName ?? "" });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    /// <summary>Polls until the condition holds; fails with what was last seen after the timeout.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}; last seen: {value}");
            }
            await Task.Delay(100);
        }
    }
}
