using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// Namespace `ingress`: one http Deployment per backend (be-a, be-b, be-wild, be-api, be-exact,
/// be-default; each pod also answers the files api/v1, apiary, exact, exactly with its name), a
/// Service of the same name in front of each, TLS Secrets for a.example.test and b.example.test
/// (self-signed, made here), Ingress `hosts` (a, b, *.apps.example.test, with TLS) and Ingress
/// `paths` (paths.example.test: Prefix /api, Exact /exact; defaultBackend be-default).
/// </summary>
public sealed class IngressSetup() : NamespaceFixture("ingress")
{
    public static readonly string[] Backends = ["be-a", "be-b", "be-wild", "be-api", "be-exact", "be-default"];
    public static readonly string[] TlsHosts = ["a.example.test", "b.example.test"];

    /// <summary>The certificate made for each of <see cref="TlsHosts"/>.</summary>
    public Dictionary<string, X509Certificate2> Certificates { get; } = [];

    protected override async Task SetUpAsync()
    {
        foreach (var host in TlsHosts)
        {
            Certificates[host] = await CreateTlsSecretAsync("tls-" + host.Split('.')[0], host);
        }
        await ApplyAsync(string.Join('\n', Backends.Select(b =>
            HttpWorkloads.Deployment(b, 1, "api/v1", "apiary", "exact", "exactly") + "\n" + HttpWorkloads.Service(b, b))));
        await ApplyAsync($$"""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: hosts}
            spec:
              tls:
              - {hosts: [a.example.test], secretName: tls-a}
              - {hosts: [b.example.test], secretName: tls-b}
              rules:
              {{Rule("a.example.test", "/", "Prefix", "be-a")}}
              {{Rule("b.example.test", "/", "Prefix", "be-b")}}
              {{Rule("*.apps.example.test", "/", "Prefix", "be-wild")}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: paths}
            spec:
              defaultBackend: {service: {name: be-default, port: {number: 80} } }
              rules:
              - host: paths.example.test
                http:
                  paths:
                  - {path: /api, pathType: Prefix, backend: {service: {name: be-api, port: {number: 80} } } }
                  - {path: /exact, pathType: Exact, backend: {service: {name: be-exact, port: {number: 80} } } }
            """);
        await Run.UntilAsync(async () => (await PodNodesAsync("app")).Count == Backends.Length ? "" : null, "a pod per backend", 60);
        await PodsReadyAsync("app");
        // Both Ingresses are in every node's route table once each node routes one rule of each
        // to its backend; the tests' requests then wait only for endpoints (503 until ready).
        foreach (var nodeIp in Cluster.NodeIps)
        {
            foreach (var (host, path, backend) in new[] { ("a.example.test", "/", "be-a"), ("paths.example.test", "/exact", "be-exact") })
            {
                await Run.UntilAsync(async () =>
                {
                    var (status, body) = await IngressHttp.TryGetAsync(nodeIp, host, path);
                    return status == HttpStatusCode.OK && IngressHttp.BackendOf(body) == backend ? body : null;
                }, $"{host}{path} routed to {backend} on {nodeIp}", 60);
            }
        }
    }

    private static string Rule(string host, string path, string pathType, string service) =>
        $$"""- {host: "{{host}}", http: {paths: [{path: {{path}}, pathType: {{pathType}}, backend: {service: {name: {{service}}, port: {number: 80} } } }]} }""";

    /// <summary>A self-signed certificate for <paramref name="host"/>, stored as kubernetes.io/tls Secret <paramref name="name"/> by `kubectl create secret tls`.</summary>
    private async Task<X509Certificate2> CreateTlsSecretAsync(string name, string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        var dir = Directory.CreateTempSubdirectory("timonel-e2e-tls-").FullName;
        try
        {
            var certFile = Path.Combine(dir, "tls.crt");
            var keyFile = Path.Combine(dir, "tls.key");
            await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            await Cluster.KubectlOk("create", "secret", "tls", name, "-n", Namespace, "--cert=" + certFile, "--key=" + keyFile);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return certificate;
    }
}

/// <summary>Requests from the host to a node's Ingress ports, with the Host header (HTTP) or SNI (HTTPS) of a rule.</summary>
public static class IngressHttp
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>GET http://NODE-IP:80/PATH with `Host: host`: status and body; 0 and the error when nothing answered.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> TryGetAsync(string nodeIp, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{nodeIp}{path}");
        request.Headers.Host = host;
        try
        {
            using var response = await Http.SendAsync(request);
            return (response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    /// <summary>
    /// GET https://HOST/PATH dialled to NODE-IP:443, so the TLS handshake carries HOST as SNI: the
    /// certificate the server presented, status and body.
    /// </summary>
    public static async Task<(X509Certificate2? Served, HttpStatusCode Status, string Body)> TryGetTlsAsync(string nodeIp, string host, string path)
    {
        X509Certificate2? served = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(IPAddress.Parse(nodeIp), 443, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            // Self-signed: trust is what the test checks itself, by comparing with the certificate it made.
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                served = certificate is null ? null : new X509Certificate2(certificate);
                return true;
            } },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await client.GetAsync($"https://{host}{path}");
            return (served, response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (served, 0, e.Message);
        }
    }

    /// <summary>The Deployment a pod name belongs to (NAME-HASH-SUFFIX), or the body itself when it is no pod name.</summary>
    public static string BackendOf(string body)
    {
        var parts = body.Split('-');
        return parts.Length > 2 ? string.Join('-', parts[..^2]) : body;
    }
}
