using System.Text;
using System.Text.Json;
using k8s.Models;

namespace Timonel.Kubelet.Images;

/// <summary>One credential from a pull secret, with the registry location it was filed under.</summary>
public sealed record RegistryCredential(string Location, string Username, string Password, string? IdentityToken, string? RegistryToken);

/// <summary>
/// The credentials of a pod's imagePullSecrets, looked up by image the way the kubelet does:
/// a location is a host (globs allowed per dot-separated label, e.g. <c>*.example.com</c>),
/// optional port and optional path prefix; <c>/v1/</c> and <c>/v2/</c> paths mean the host itself.
/// Every location matching the image's repository counts, longest first; with none, a credential
/// for <c>index.docker.io</c> serves any docker.io image. Secrets are read from their data keys
/// <c>.dockerconfigjson</c> (<c>{"auths": {...}}</c>) and <c>.dockercfg</c> (the map itself).
/// </summary>
public sealed class DockerKeyring
{
    private const string DefaultRegistryHost = "index.docker.io";
    private readonly List<(string Key, RegistryCredential Credential)> _entries = [];

    public static readonly DockerKeyring Empty = new();

    public int Count => _entries.Count;

    /// <summary>Builds a keyring from secrets; a secret whose data does not parse adds nothing and is named in <paramref name="unreadable"/>.</summary>
    public static DockerKeyring FromSecrets(IEnumerable<V1Secret> secrets, out IReadOnlyList<string> unreadable)
    {
        var keyring = new DockerKeyring();
        var bad = new List<string>();
        foreach (var secret in secrets)
        {
            var data = secret.Data ?? new Dictionary<string, byte[]>();
            var ok = true;
            if (data.TryGetValue(".dockercfg", out var cfg))
            {
                ok &= keyring.TryAdd(cfg, nested: false);
            }
            if (data.TryGetValue(".dockerconfigjson", out var json))
            {
                ok &= keyring.TryAdd(json, nested: true);
            }
            if (!ok)
            {
                bad.Add(secret.Metadata?.Name ?? "");
            }
        }
        keyring._entries.Sort((a, b) => string.CompareOrdinal(b.Key, a.Key));
        unreadable = bad;
        return keyring;
    }

    /// <summary>The credentials to try for <paramref name="image"/>, in order; empty: pull anonymously.</summary>
    public IReadOnlyList<RegistryCredential> Lookup(ImageReference image)
    {
        var target = image.Repository;
        var found = _entries.Where(e => LocationMatches(e.Key, target)).Select(e => e.Credential).ToList();
        if (found.Count == 0 && image.Domain == ImageReference.DefaultDomain)
        {
            found.AddRange(_entries.Where(e => e.Key == DefaultRegistryHost).Select(e => e.Credential));
        }
        return found;
    }

    private bool TryAdd(byte[] utf8, bool nested)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            var map = doc.RootElement;
            if (nested)
            {
                if (map.ValueKind != JsonValueKind.Object || !map.TryGetProperty("auths", out map))
                {
                    return false;
                }
            }
            if (map.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            foreach (var location in map.EnumerateObject())
            {
                if (location.Value.ValueKind != JsonValueKind.Object || KeyOf(location.Name) is not { } key)
                {
                    continue;
                }
                var entry = location.Value;
                var username = Str(entry, "username");
                var password = Str(entry, "password");
                // "auth" is base64("user:password") and wins over the separate fields, as in docker's config.
                if (Str(entry, "auth") is { Length: > 0 } auth)
                {
                    var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                    var colon = decoded.IndexOf(':');
                    if (colon < 0)
                    {
                        return false;
                    }
                    (username, password) = (decoded[..colon], decoded[(colon + 1)..]);
                }
                _entries.Add((key, new RegistryCredential(location.Name, username ?? "", password ?? "",
                    Str(entry, "identitytoken"), Str(entry, "registrytoken"))));
            }
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return false;
        }
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// host[:port][/path] without scheme; registry API version paths stand for the host. Parsed by
    /// hand, not with <see cref="Uri"/>: glob hosts such as <c>*.example.com</c> are not URI hosts.
    /// </summary>
    internal static string? KeyOf(string location)
    {
        var rest = location;
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            rest = rest[(scheme + 3)..];
        }
        var slash = rest.IndexOf('/');
        var host = (slash < 0 ? rest : rest[..slash]).ToLowerInvariant();
        var path = slash < 0 ? "" : rest[slash..];
        if (host.Length == 0)
        {
            return null;
        }
        if (host.EndsWith(":443", StringComparison.Ordinal) && scheme >= 0 && location.StartsWith("https", StringComparison.OrdinalIgnoreCase))
        {
            host = host[..^4];
        }
        if (path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            path = path[3..];
        }
        return path.Length > 0 && path != "/" ? host + path : host;
    }

    /// <summary>Host labels glob-match one for one, ports are equal, and the location's path is a prefix of the repository's.</summary>
    internal static bool LocationMatches(string key, string repository)
    {
        var (keyHost, keyPort, keyPath) = Split(key);
        var (host, port, path) = Split(repository);
        var keyLabels = keyHost.Split('.');
        var labels = host.Split('.');
        if (keyLabels.Length != labels.Length || keyPort != port || !path.StartsWith(keyPath, StringComparison.Ordinal))
        {
            return false;
        }
        return keyLabels.Zip(labels).All(p => Glob(p.First, p.Second));
    }

    private static (string Host, string Port, string Path) Split(string location)
    {
        var slash = location.IndexOf('/');
        var hostPort = slash < 0 ? location : location[..slash];
        var path = slash < 0 ? "" : location[slash..];
        var colon = hostPort.LastIndexOf(':');
        return colon < 0 ? (hostPort.ToLowerInvariant(), "", path) : (hostPort[..colon].ToLowerInvariant(), hostPort[(colon + 1)..], path);
    }

    /// <summary>Shell-style glob of one host label: '*' any run, '?' one character.</summary>
    private static bool Glob(string pattern, string text)
    {
        if (pattern.Length == 0)
        {
            return text.Length == 0;
        }
        return pattern[0] switch
        {
            '*' => Enumerable.Range(0, text.Length + 1).Any(i => Glob(pattern[1..], text[i..])),
            '?' => text.Length > 0 && Glob(pattern[1..], text[1..]),
            var c => text.Length > 0 && char.ToLowerInvariant(c) == text[0] && Glob(pattern[1..], text[1..]),
        };
    }
}
