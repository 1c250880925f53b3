using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.E2E.ApiServer.Tests;

/// <summary>Who may talk to the server: only holders of a known token or a certificate from the cluster CA, only over TLS.</summary>
public sealed class SecurityTests(ServerFixture f) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task No_credential_is_401_but_health_and_version_are_open()
    {
        using var anonymous = f.Server.AdminClient(withToken: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/namespaces")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/version")).StatusCode);
    }

    [Fact]
    public async Task Wrong_token_is_401_and_right_token_is_200()
    {
        using var client = f.Server.AdminClient(withToken: false);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/namespaces")).StatusCode);
        using var admin = f.Server.AdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task Client_certificate_from_the_cluster_ca_is_accepted_and_from_another_ca_refused()
    {
        var caDir = Path.Combine(f.Server.DataDir, "server", "tls");
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(caDir, "ca.crt"), Path.Combine(caDir, "ca.key"));
        using var good = Issue(ca, "alice", "system:masters");
        using var goodClient = f.Server.AdminClient(withToken: false, clientCertificate: good);
        Assert.Equal(HttpStatusCode.OK, (await goodClient.GetAsync("/api/v1/namespaces")).StatusCode);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherReq = new CertificateRequest("CN=other-ca", otherKey, HashAlgorithmName.SHA256);
        otherReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var otherCa = otherReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var bad = Issue(otherCa, "mallory", "system:masters");
        using var badClient = f.Server.AdminClient(withToken: false, clientCertificate: bad);
        Assert.Equal(HttpStatusCode.Unauthorized, (await badClient.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task Plain_http_gets_no_answer_and_the_server_listens_on_one_port_only()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        HttpResponseMessage? response = null;
        try
        {
            response = await http.GetAsync($"http://127.0.0.1:{f.Server.Port}/api/v1/namespaces");
        }
        catch (HttpRequestException)
        {
            // The TLS endpoint drops a plain-HTTP request: nothing is served.
        }
        Assert.True(response is null || (int)response.StatusCode >= 400, $"plain HTTP got {(int?)response?.StatusCode}");

        var ss = Process.Start(new ProcessStartInfo("ss", "-Hltnp") { RedirectStandardOutput = true })!;
        var listening = (await ss.StandardOutput.ReadToEndAsync()).Split('\n')
            .Where(l => l.Contains($"pid={f.Server.Pid},", StringComparison.Ordinal)).ToList();
        await ss.WaitForExitAsync();
        Assert.Single(listening);
        Assert.Contains($"127.0.0.1:{f.Server.Port}", listening[0]);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string user, string group)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"O={group}, CN={user}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var cert = req.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(ca.GetECDsaPrivateKey()!), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        var withKey = cert.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
