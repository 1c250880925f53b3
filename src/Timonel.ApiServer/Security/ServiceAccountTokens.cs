using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Security;

/// <summary>Who a service account token is issued to, and the pod it is bound to (if any).</summary>
public sealed record ServiceAccountSubject(string Namespace, string Name, string Uid, string? PodName = null, string? PodUid = null);

/// <summary>
/// Service account tokens as upstream issues them: JWTs (ES256) signed with the cluster's service
/// account key (<c>DIR/server/tls/service-account.key</c>, kept across restarts, so a token stays
/// valid until it expires even when the server restarts). Claims: iss, sub
/// <c>system:serviceaccount:NS:NAME</c>, aud, iat, nbf, exp, jti and the private
/// <c>kubernetes.io</c> claim with the namespace, the service account and the bound pod. Nothing is
/// stored: a token is valid when its signature, issuer, audience and times check.
/// Thread-safe (ECDsa signing and verification are).
/// </summary>
public sealed class ServiceAccountTokens(ECDsa key, TimeProvider time)
{
    /// <summary>The issuer, and the audience the API server accepts (upstream's default).</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private static readonly string Header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(
        new JsonObject { ["alg"] = "ES256", ["typ"] = "JWT" }));

    /// <summary>Loads the key from <paramref name="path"/>, or creates it (P-256, root-only file).</summary>
    public static ServiceAccountTokens LoadOrCreate(string path, TimeProvider time)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            ClusterCertificates.WritePrivate(path, key.ExportPkcs8PrivateKeyPem());
        }
        return new ServiceAccountTokens(key, time);
    }

    /// <summary>A token for <paramref name="subject"/>, valid from now for <paramref name="lifetime"/>.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(ServiceAccountSubject subject, IReadOnlyList<string> audiences, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(issuedAt + (long)lifetime.TotalSeconds);
        var k8s = new JsonObject
        {
            ["namespace"] = subject.Namespace,
            ["serviceaccount"] = new JsonObject { ["name"] = subject.Name, ["uid"] = subject.Uid },
        };
        if (subject.PodName is not null)
        {
            k8s["pod"] = new JsonObject { ["name"] = subject.PodName, ["uid"] = subject.PodUid };
        }
        var claims = new JsonObject
        {
            ["aud"] = new JsonArray(audiences.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["iat"] = issuedAt,
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = k8s,
            ["nbf"] = issuedAt,
            ["sub"] = UserName(subject.Namespace, subject.Name),
        };
        var signingInput = Header + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        // .NET signs in IEEE P1363 form (r || s), which is what JWS ES256 wants.
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return (signingInput + "." + Base64Url(signature), expiresAt);
    }

    /// <summary>
    /// The user of a token this server issued for itself as audience and that has not expired;
    /// null for anything else (a foreign or tampered token, another audience, expired).
    /// </summary>
    public ServiceAccountSubject? Validate(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != Header)
        {
            return null;
        }
        try
        {
            var signature = FromBase64Url(parts[2]);
            if (!key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256))
            {
                return null;
            }
            var claims = JsonNode.Parse(FromBase64Url(parts[1])) as JsonObject;
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            if (claims?["iss"]?.GetValue<string>() != Issuer
                || claims["exp"]?.GetValue<long>() is not { } exp || exp <= now
                || claims["nbf"]?.GetValue<long>() is { } nbf && nbf > now
                || claims["aud"] is not JsonArray aud || !aud.Any(a => a?.GetValue<string>() == Issuer)
                || claims["kubernetes.io"] is not JsonObject k8s)
            {
                return null;
            }
            var ns = k8s["namespace"]?.GetValue<string>();
            var name = k8s["serviceaccount"]?["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(ns) || string.IsNullOrEmpty(name))
            {
                return null;
            }
            return new ServiceAccountSubject(ns, name, k8s["serviceaccount"]?["uid"]?.GetValue<string>() ?? "",
                k8s["pod"]?["name"]?.GetValue<string>(), k8s["pod"]?["uid"]?.GetValue<string>());
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            // Not base64url or not JSON of the expected shape: not one of ours.
            return null;
        }
    }

    public static string UserName(string ns, string name) => $"system:serviceaccount:{ns}:{name}";

    public static UserInfo UserOf(ServiceAccountSubject subject) => new(UserName(subject.Namespace, subject.Name),
        ["system:serviceaccounts", "system:serviceaccounts:" + subject.Namespace, "system:authenticated"]);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
