using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace Timonel.Client.Api;

/// <summary>
/// One connection to an API server: a lean HttpClient (HTTP/2, many concurrent streams) for the
/// generic typed verbs in ApiConnection.Verbs.cs and ApiConnection.Watch.cs, and the
/// KubernetesClient <see cref="k8s.Kubernetes"/> for everything else. Thread-safe; share one per
/// process and server.
/// </summary>
public sealed partial class ApiConnection : IDisposable
{
    /// <summary>Non-watch calls give up after this long: a hung server is broken infrastructure.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly Lazy<Kubernetes> _kubernetes;

    public ApiConnection(KubernetesClientConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(config.Host);
        Configuration = config;
        Server = new Uri(config.Host);
        _http = new HttpClient(CreateHandler(config))
        {
            BaseAddress = Server,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        if (!string.IsNullOrEmpty(config.AccessToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.AccessToken);
        }
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("timonel-client", "1"));
        _kubernetes = new Lazy<Kubernetes>(() => new Kubernetes(config));
    }

    /// <summary>A server URL, its CA certificate (PEM) and a bearer token.</summary>
    public ApiConnection(Uri server, string caPem, string bearerToken)
        : this(new KubernetesClientConfiguration
        {
            Host = server.ToString().TrimEnd('/'),
            SslCaCerts = [X509Certificate2.CreateFromPem(caPem)],
            AccessToken = bearerToken,
        })
    {
    }

    /// <summary>Reads a kubeconfig file (its current context).</summary>
    public static ApiConnection FromKubeconfig(string path) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

    public Uri Server { get; }
    public KubernetesClientConfiguration Configuration { get; }

    /// <summary>The official client on the same configuration, for calls the generic verbs do not cover.</summary>
    public Kubernetes Kubernetes => _kubernetes.Value;

    private static SocketsHttpHandler CreateHandler(KubernetesClientConfiguration config)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            // A dead peer without a RST (network cut) is noticed by pings, so watches do not hang forever.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (config.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (config.SslCaCerts is { Count: > 0 } roots)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return chain.Build(leaf);
            };
        }
        if (!string.IsNullOrEmpty(config.ClientCertificateData) && !string.IsNullOrEmpty(config.ClientCertificateKeyData))
        {
            // kubeconfig's client-certificate-data and client-key-data are base64 of PEM.
            var certPem = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateData));
            var keyPem = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateKeyData));
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPem(certPem, keyPem)];
        }
        else if (!string.IsNullOrEmpty(config.ClientCertificateFilePath) && !string.IsNullOrEmpty(config.ClientKeyFilePath))
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(config.ClientCertificateFilePath, config.ClientKeyFilePath)];
        }
        return handler;
    }

    public void Dispose()
    {
        _http.Dispose();
        if (_kubernetes.IsValueCreated)
        {
            _kubernetes.Value.Dispose();
        }
    }
}
