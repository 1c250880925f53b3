using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using static Timonel.Network.Ingress.Tests.IngressObjects;

namespace Timonel.Network.Ingress.Tests;

/// <summary>Which certificate a TLS server name gets, from Ingresses' spec.tls and their Secrets.</summary>
public sealed class CertificateSelectionTests
{
    private const string Ns = "demo";

    [Fact]
    public void Exact_host_then_wildcard_then_fallback_and_broken_secrets_fall_back()
    {
        var exact = Pem("shop.example.test");
        var wildcard = Pem("*.apps.example.test");
        var secrets = new Dictionary<string, V1Secret>
        {
            ["exact"] = Secret("exact", exact.Crt, exact.Key),
            ["wild"] = Secret("wild", wildcard.Crt, wildcard.Key),
            ["broken"] = Secret("broken", "not a certificate", "no key"),
        };
        var ingress = NewIngress(Ns, "tls", "timonel", Rule("shop.example.test"), Rule("broken.example.test"));
        ingress.Spec.Tls =
        [
            new V1IngressTLS { SecretName = "exact" }, // no hosts: the rule hosts of this Ingress
            new V1IngressTLS { Hosts = ["*.apps.example.test"], SecretName = "wild" },
            new V1IngressTLS { Hosts = ["broken.example.test"], SecretName = "broken" },
            new V1IngressTLS { Hosts = ["missing.example.test"], SecretName = "missing" },
        ];
        var store = new IngressCertificateStore();
        var problems = new List<string>();

        var certificates = store.Build([ingress], (ns, name) => ns == Ns ? secrets.GetValueOrDefault(name) : null, problems);

        Assert.Equal(exact.Thumbprint, certificates.Select("shop.example.test").TargetCertificate.Thumbprint);
        Assert.Equal(exact.Thumbprint, certificates.Select("broken.example.test").TargetCertificate.Thumbprint);
        Assert.Equal(wildcard.Thumbprint, certificates.Select("x.apps.example.test").TargetCertificate.Thumbprint);
        Assert.Same(certificates.Fallback, certificates.Select("a.b.apps.example.test"));
        Assert.Same(certificates.Fallback, certificates.Select("missing.example.test"));
        Assert.Same(certificates.Fallback, certificates.Select(null));
        Assert.Equal(2, problems.Count);
    }

    private static V1Secret Secret(string name, string crt, string key) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, ResourceVersion = "1" },
        Type = "kubernetes.io/tls",
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(crt), ["tls.key"] = Encoding.UTF8.GetBytes(key) },
    };

    private static (string Crt, string Key, string Thumbprint) Pem(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), certificate.Thumbprint);
    }
}
