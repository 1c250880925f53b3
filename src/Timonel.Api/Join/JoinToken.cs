using System.Security.Cryptography;
using System.Text;

namespace Timonel.Api.Join;

/// <summary>
/// The secret agents join a cluster with, in k3s's shape: <c>K10&lt;sha256 of the CA PEM&gt;::server:&lt;secret&gt;</c>.
/// The hash lets an agent check the CA the server presents before trusting it; the secret is the
/// bearer credential. A bare secret (a user's own <c>--token</c>) carries no CA hash.
/// </summary>
public sealed record JoinToken(string? CaHash, string Secret)
{
    private const string Prefix = "K10";
    private const string Separator = "::server:";

    public static JoinToken Create(string caPem, string secret) => new(HashOf(caPem), secret);

    public static JoinToken Parse(string text)
    {
        text = text.Trim();
        var sep = text.IndexOf(Separator, StringComparison.Ordinal);
        if (text.StartsWith(Prefix, StringComparison.Ordinal) && sep > Prefix.Length)
        {
            return new(text[Prefix.Length..sep], text[(sep + Separator.Length)..]);
        }
        return new(null, text);
    }

    /// <summary>The hash of a CA as the token carries it: lower-case hex SHA-256 of the PEM text.</summary>
    public static string HashOf(string caPem) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(caPem)));

    /// <summary>True when the token has no hash, or the hash matches the CA.</summary>
    public bool Trusts(string caPem) => CaHash is null || CryptographicOperations.FixedTimeEquals(
        Encoding.ASCII.GetBytes(CaHash), Encoding.ASCII.GetBytes(HashOf(caPem)));

    public override string ToString() => CaHash is null ? Secret : $"{Prefix}{CaHash}{Separator}{Secret}";
}
