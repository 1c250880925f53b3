using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Kubelet.E2E.Tests.Streaming;

/// <summary>A throwaway cluster CA with the certificates the agent's endpoint meets: its serving certificate and clients.</summary>
internal sealed class TestPki : IDisposable
{
    public TestPki()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=streaming-test-ca", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        var now = DateTimeOffset.UtcNow;
        Ca = Reload(req.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(2)));
        Serving = Issue(Ca, "node-serving", [], server: true);
        ApiServerClient = Issue(Ca, "kube-apiserver-kubelet-client", ["system:masters"], server: false);
    }

    public X509Certificate2 Ca { get; }
    public X509Certificate2 Serving { get; }
    public X509Certificate2 ApiServerClient { get; }

    public static X509Certificate2 Issue(X509Certificate2 ca, string cn, string[] groups, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var g in groups) subject.AddOrganizationName(g);
        subject.AddCommonName(cn);
        var req = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            req.CertificateExtensions.Add(san.Build());
        }
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f; // a positive serial number
        using var cert = req.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = cert.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    /// <summary>Through PKCS#12, so SslStream can use the private key.</summary>
    private static X509Certificate2 Reload(X509Certificate2 cert) => X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);

    public void Dispose()
    {
        Ca.Dispose();
        Serving.Dispose();
        ApiServerClient.Dispose();
    }
}
