using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The cluster CA and the API server's serving certificate, created on first start under
/// <c>DIR/server/tls</c> and reused afterwards. ECDSA P-256 keys; PEM files readable by root only.
/// </summary>
public sealed class ClusterCertificates
{
    private ClusterCertificates(X509Certificate2 ca, X509Certificate2 serving, string directory)
    {
        Ca = ca;
        Serving = serving;
        Directory = directory;
    }

    /// <summary>The cluster CA, with its private key.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The serving certificate, with its private key.</summary>
    public X509Certificate2 Serving { get; }

    public string Directory { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>Loads the CA and serving certificate, creating what is missing. The serving
    /// certificate is re-issued when a required SAN is absent (e.g. a new bind address).</summary>
    public static ClusterCertificates LoadOrCreate(string directory, IReadOnlyCollection<string> sanHosts)
    {
        System.IO.Directory.CreateDirectory(directory);
        var ca = LoadPair(directory, "ca") ?? SavePair(directory, "ca", CreateCa());
        var serving = LoadPair(directory, "serving");
        if (serving is null || !CoversAll(serving, sanHosts) || serving.NotAfter < DateTime.UtcNow.AddDays(30))
        {
            serving = SavePair(directory, "serving", Issue(ca, "timonel-apiserver", null, sanHosts, server: true));
        }
        return new(ca, serving, directory);
    }

    /// <summary>A client certificate signed by the cluster CA: CN = user, O = groups.</summary>
    public X509Certificate2 IssueClient(string user, IEnumerable<string> groups) =>
        Issue(Ca, user, groups, [], server: false);

    /// <summary>A serving certificate signed by the cluster CA for the given DNS names and IP addresses.</summary>
    public X509Certificate2 IssueServing(string commonName, IReadOnlyCollection<string> sanHosts) =>
        Issue(Ca, commonName, null, sanHosts, server: true);

    /// <summary>True when <paramref name="cert"/> was issued by the cluster CA and is in date.</summary>
    public bool IsIssuedByCa(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(cert) && chain.ChainElements[^1].Certificate.Thumbprint == Ca.Thumbprint;
    }

    private static X509Certificate2 CreateCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN=timonel-ca@{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return req.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string commonName, IEnumerable<string>? organizations,
        IReadOnlyCollection<string> sanHosts, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var o in organizations ?? [])
        {
            subject.AddOrganizationName(o);
        }
        subject.AddCommonName(commonName);
        var req = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (sanHosts.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var host in sanHosts)
            {
                if (IPAddress.TryParse(host, out var ip)) san.AddIpAddress(ip);
                else san.AddDnsName(host);
            }
            req.CertificateExtensions.Add(san.Build());
        }
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = req.Create(ca, now.AddMinutes(-5), now.AddYears(server ? 1 : 1), serial);
        return signed.CopyWithPrivateKey(key);
    }

    private static bool CoversAll(X509Certificate2 cert, IReadOnlyCollection<string> hosts) =>
        hosts.All(h => cert.MatchesHostname(h, allowWildcards: false, allowCommonName: false));

    private static X509Certificate2? LoadPair(string directory, string name)
    {
        var crt = Path.Combine(directory, name + ".crt");
        var key = Path.Combine(directory, name + ".key");
        if (!File.Exists(crt) || !File.Exists(key))
        {
            return null;
        }
        using var pem = X509Certificate2.CreateFromPemFile(crt, key);
        // Re-import so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 SavePair(string directory, string name, X509Certificate2 cert)
    {
        WritePrivate(Path.Combine(directory, name + ".key"), cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, name + ".crt"), cert.ExportCertificatePem());
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    internal static void WritePrivate(string path, string contents)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
