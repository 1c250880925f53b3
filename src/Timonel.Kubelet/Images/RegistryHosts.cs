using System.Text;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Turns a <see cref="RegistriesConfig"/> into containerd's registry hosts tree (the CRI
/// <c>config_path</c>): one <c>HOST/hosts.toml</c> per registry named in the file (<c>*</c> becomes
/// <c>_default</c>). A mirror's endpoints are tried in order before the registry itself
/// (<c>server</c>); an endpoint on the registry's own host:port replaces the server, so a plain-HTTP
/// registry declared as its own mirror is reached over HTTP only and its answers (e.g. "not
/// found") are the ones reported. TLS settings come from <c>configs</c> of the contacted host.
/// Credentials cannot go into hosts.toml; <see cref="AuthsOf"/> gives them to the containerd config.
/// </summary>
public static class RegistryHosts
{
    public const string DefaultHostDir = "_default";
    private const string Marker = "# Written by timonel from registries.yaml; rewritten at every agent start.";

    /// <summary>The hosts.toml of every registry host named in the file, keyed by directory name.</summary>
    public static IReadOnlyDictionary<string, string> Render(RegistriesConfig config)
    {
        var hosts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in config.Mirrors.Keys.Concat(config.Configs.Keys).Distinct(StringComparer.Ordinal))
        {
            hosts[host == "*" ? DefaultHostDir : host] = RenderHost(host, config);
        }
        return hosts;
    }

    /// <summary>
    /// Replaces the hosts.toml files this class wrote before with those of <paramref name="config"/>
    /// (null: the file is gone, remove ours). Directories without our marker are the user's and stay.
    /// </summary>
    public static async Task WriteAsync(string configPath, RegistriesConfig? config, ILogger logger, CancellationToken ct)
    {
        Directory.CreateDirectory(configPath);
        var wanted = config is null ? new Dictionary<string, string>() : Render(config);
        foreach (var dir in Directory.EnumerateDirectories(configPath))
        {
            var file = Path.Combine(dir, "hosts.toml");
            if (!wanted.ContainsKey(Path.GetFileName(dir)) && File.Exists(file) && (await File.ReadAllTextAsync(file, ct).ConfigureAwait(false)).StartsWith(Marker, StringComparison.Ordinal))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        foreach (var (dir, toml) in wanted)
        {
            Directory.CreateDirectory(Path.Combine(configPath, dir));
            await File.WriteAllTextAsync(Path.Combine(configPath, dir, "hosts.toml"), toml, ct).ConfigureAwait(false);
        }
        if (wanted.Count > 0)
        {
            ImageLog.RegistryHostsWritten(logger, string.Join(", ", wanted.Keys), configPath);
        }
    }

    /// <summary>Credentials per host for containerd's CRI config (<c>registry.configs."HOST".auth</c>), which containerd 1.6 still reads next to config_path.</summary>
    public static IReadOnlyDictionary<string, RegistryAuth> AuthsOf(RegistriesConfig? config) =>
        config is null
            ? new Dictionary<string, RegistryAuth>()
            : config.Configs.Where(kv => kv.Value?.Auth is not null && kv.Key != "*").ToDictionary(kv => kv.Key, kv => kv.Value.Auth!, StringComparer.Ordinal);

    private static string RenderHost(string host, RegistriesConfig config)
    {
        var toml = new StringBuilder();
        toml.AppendLine(Marker);
        var endpoints = config.Mirrors.TryGetValue(host, out var mirror) ? mirror?.Endpoint ?? [] : [];
        string? server = null;
        if (host != "*")
        {
            server = endpoints.FirstOrDefault(e => HostOf(e) == host) ?? DefaultServer(host);
            toml.AppendLine($"server = {Quote(server)}");
            AppendTls(toml, "", HostOf(server), config);
        }
        var hostTables = endpoints.Where(e => e != server).Distinct(StringComparer.Ordinal).ToList();
        if (hostTables.Count == 0 && server is not null)
        {
            // containerd 1.6 refuses a hosts.toml without any [host] table ("invalid `host` tree")
            // and then falls back to plain defaults (HTTPS, no TLS settings), so the server is
            // listed as its own host too. A failed attempt costs one more request to the same host.
            hostTables.Add(server);
        }
        foreach (var endpoint in hostTables)
        {
            toml.AppendLine();
            toml.AppendLine($"[host.{Quote(endpoint)}]");
            toml.AppendLine("  capabilities = [\"pull\", \"resolve\"]");
            AppendTls(toml, "  ", HostOf(endpoint), config);
        }
        return toml.ToString();
    }

    private static void AppendTls(StringBuilder toml, string indent, string host, RegistriesConfig config)
    {
        if (!config.Configs.TryGetValue(host, out var hostConfig) || hostConfig?.Tls is not { } tls)
        {
            return;
        }
        if (tls.InsecureSkipVerify)
        {
            toml.AppendLine($"{indent}skip_verify = true");
        }
        if (!string.IsNullOrEmpty(tls.CaFile))
        {
            toml.AppendLine($"{indent}ca = {Quote(tls.CaFile)}");
        }
        if (!string.IsNullOrEmpty(tls.CertFile) && !string.IsNullOrEmpty(tls.KeyFile))
        {
            toml.AppendLine($"{indent}client = [[{Quote(tls.CertFile)}, {Quote(tls.KeyFile)}]]");
        }
    }

    /// <summary>Where a registry lives when no endpoint says otherwise: docker.io's API is at registry-1.docker.io.</summary>
    private static string DefaultServer(string host) =>
        host is ImageReference.DefaultDomain or "index.docker.io" ? "https://registry-1.docker.io" : "https://" + host;

    /// <summary>host[:port] of an endpoint URL, as containerd names the host it contacts.</summary>
    internal static string HostOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? (uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}") : url;

    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }
}
