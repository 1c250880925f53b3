using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Finds the user of a request from a bearer token or a client certificate issued by the cluster CA.
/// A request with neither, or with a token that is not known, has no user (401).
/// </summary>
/// <remarks>
/// A bearer token is looked up among the server's own tokens first, then checked as a service
/// account token (a JWT this server signed, for its own audience, not expired, whose account and
/// bound pod <paramref name="stillBound"/> finds still there).
/// </remarks>
public sealed class Authenticator(ClusterCertificates certificates, TokenRegistry tokens,
    ServiceAccountTokens? serviceAccounts = null, Func<ServiceAccountSubject, CancellationToken, ValueTask<bool>>? stillBound = null)
{
    public async ValueTask<UserInfo?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // A token that is present but wrong is refused even if a certificate is also offered.
            var token = header[7..].Trim();
            if (tokens.Find(token) is { } user)
            {
                return user;
            }
            if (serviceAccounts?.Validate(token) is not { } subject)
            {
                return null;
            }
            return stillBound is null || await stillBound(subject, context.RequestAborted) ? ServiceAccountTokens.UserOf(subject) : null;
        }
        var cert = context.Connection.ClientCertificate;
        if (cert is not null && certificates.IsIssuedByCa(cert))
        {
            return FromCertificate(cert);
        }
        return null;
    }

    private static UserInfo FromCertificate(X509Certificate2 cert)
    {
        var name = cert.GetNameInfo(X509NameType.SimpleName, false);
        var groups = cert.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue() ?? "")
            .Where(g => g.Length > 0)
            .Append("system:authenticated")
            .ToList();
        return new(name, groups);
    }
}

/// <summary>The bearer tokens the server accepts, compared in constant time.</summary>
public sealed class TokenRegistry
{
    private readonly List<(byte[] Token, UserInfo User)> _tokens = [];

    public void Add(string token, UserInfo user) => _tokens.Add((Encoding.UTF8.GetBytes(token), user));

    public UserInfo? Find(string token)
    {
        var bytes = Encoding.UTF8.GetBytes(token);
        foreach (var (known, user) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(known, bytes))
            {
                return user;
            }
        }
        return null;
    }

    /// <summary>A new random token (hex, 64 characters).</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
