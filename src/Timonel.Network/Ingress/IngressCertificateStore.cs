using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Timonel.Network.Ingress;

/// <summary>
/// Builds <see cref="IngressCertificates"/> from the served Ingresses' spec.tls and their Secrets
/// (in the Ingress's namespace, keys tls.crt and tls.key in PEM; tls.crt may carry the chain
/// after the leaf). Parsed certificates are kept by Secret and resourceVersion, so a rebuild
/// parses only Secrets that changed. A Secret that is missing or does not parse leaves its hosts
/// on the fallback certificate (the reason is returned for the log). Used by one rebuild loop at
/// a time.
/// </summary>
public sealed class IngressCertificateStore
{
    private readonly Dictionary<string, (string? Version, SslStreamCertificateContext? Context, string? Error)> _parsed = new(StringComparer.Ordinal);

    public IngressCertificateStore(SslStreamCertificateContext? fallback = null)
    {
        Fallback = fallback ?? SelfSigned();
    }

    public SslStreamCertificateContext Fallback { get; }

    /// <param name="served">Our Ingresses, oldest first: on a host claimed twice the older one wins.</param>
    /// <param name="secret">Reads a Secret from the cache.</param>
    /// <param name="problems">Why some TLS entry could not be used.</param>
    public IngressCertificates Build(IReadOnlyList<V1Ingress> served, Func<string, string, V1Secret?> secret, List<string> problems)
    {
        var exact = new Dictionary<string, SslStreamCertificateContext>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, SslStreamCertificateContext>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ingress in served)
        {
            var ns = ingress.Metadata.NamespaceProperty ?? "default";
            foreach (var tls in ingress.Spec?.Tls ?? [])
            {
                if (string.IsNullOrEmpty(tls.SecretName))
                {
                    continue;
                }
                var key = $"{ns}/{tls.SecretName}";
                used.Add(key);
                var context = Parse(key, secret(ns, tls.SecretName), problems);
                if (context is null)
                {
                    continue;
                }
                // No hosts listed: the certificate is for the hosts of this Ingress's rules.
                var hosts = tls.Hosts is { Count: > 0 } listed ? listed : (ingress.Spec?.Rules ?? []).Select(r => r.Host).OfType<string>().ToList();
                foreach (var host in hosts.Select(h => h.ToLowerInvariant()))
                {
                    var (map, name) = host.StartsWith("*.", StringComparison.Ordinal) ? (wildcard, host[2..]) : (exact, host);
                    map.TryAdd(name, context);
                }
            }
        }
        foreach (var stale in _parsed.Keys.Where(k => !used.Contains(k)).ToList())
        {
            _parsed.Remove(stale);
        }
        return new IngressCertificates(exact, wildcard, Fallback);
    }

    private SslStreamCertificateContext? Parse(string key, V1Secret? secret, List<string> problems)
    {
        if (secret is null)
        {
            _parsed.Remove(key);
            problems.Add($"secret {key} not found");
            return null;
        }
        var version = secret.Metadata?.ResourceVersion;
        if (_parsed.TryGetValue(key, out var known) && known.Version == version && version is not null)
        {
            if (known.Error is not null)
            {
                problems.Add(known.Error);
            }
            return known.Context;
        }
        var (context, error) = FromPem(key, secret);
        _parsed[key] = (version, context, error);
        if (error is not null)
        {
            problems.Add(error);
        }
        return context;
    }

    private static (SslStreamCertificateContext?, string?) FromPem(string key, V1Secret secret)
    {
        if (secret.Data?.TryGetValue("tls.crt", out var crt) != true || secret.Data.TryGetValue("tls.key", out var pemKey) != true)
        {
            return (null, $"secret {key} has no tls.crt and tls.key");
        }
        try
        {
            var certText = Encoding.UTF8.GetString(crt!);
            var leaf = X509Certificate2.CreateFromPem(certText, Encoding.UTF8.GetString(pemKey!));
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(certText);
            var intermediates = new X509Certificate2Collection();
            foreach (var extra in chain.Skip(1))
            {
                intermediates.Add(extra);
            }
            return (SslStreamCertificateContext.Create(leaf, intermediates, offline: true), null);
        }
        catch (CryptographicException e)
        {
            return (null, $"secret {key}: {e.Message}");
        }
    }

    /// <summary>A fresh self-signed certificate for hosts without one of their own (clients will not trust it).</summary>
    public static SslStreamCertificateContext SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Timonel Ingress Default Certificate", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("ingress.timonel.local");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        // Round-trip through PKCS#12 so the private key is usable by SslStream.
        var exported = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        return SslStreamCertificateContext.Create(exported, null, offline: true);
    }
}
