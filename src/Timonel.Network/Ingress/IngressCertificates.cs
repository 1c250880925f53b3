using System.Net.Security;

namespace Timonel.Network.Ingress;

/// <summary>
/// The immutable SNI → certificate map of port 443 (swapped with the route table). A server name
/// picks the certificate of its exact host, else of the wildcard of its parent domain, else the
/// self-signed fallback (also used when the client sends no SNI).
/// </summary>
public sealed class IngressCertificates(
    IReadOnlyDictionary<string, SslStreamCertificateContext> exactHosts,
    IReadOnlyDictionary<string, SslStreamCertificateContext> wildcardParents,
    SslStreamCertificateContext fallback)
{
    public SslStreamCertificateContext Fallback { get; } = fallback;

    /// <summary>How many hosts (exact and wildcard) have a certificate of their own.</summary>
    public int HostCount => exactHosts.Count + wildcardParents.Count;

    public SslStreamCertificateContext Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return Fallback;
        }
        var host = serverName.ToLowerInvariant().TrimEnd('.');
        if (exactHosts.TryGetValue(host, out var exact))
        {
            return exact;
        }
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && wildcardParents.TryGetValue(host[(dot + 1)..], out var wildcard) ? wildcard : Fallback;
    }
}
