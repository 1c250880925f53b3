using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Timonel.Kubelet.Images;

/// <summary>
/// The node's registries file (<c>DIR/agent/registries.yaml</c>), in the shape k3s reads:
/// <c>mirrors</c> maps a registry host (or <c>*</c> for every host) to the endpoints to try first,
/// and <c>configs</c> maps a registry or endpoint host to its TLS settings and credentials.
/// </summary>
public sealed class RegistriesConfig
{
    public const string FileName = "registries.yaml";

    public Dictionary<string, RegistryMirror> Mirrors { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, RegistryHostConfig> Configs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Null without error when the file does not exist; a file that does not parse is an error value.</summary>
    public static RegistriesConfig? Load(string path, out string? error)
    {
        error = null;
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var deserializer = new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .Build();
            var config = deserializer.Deserialize<RegistriesConfig?>(File.ReadAllText(path)) ?? new RegistriesConfig();
            config.Mirrors ??= new(StringComparer.Ordinal);
            config.Configs ??= new(StringComparer.Ordinal);
            error = config.Validate();
            return error is null ? config : null;
        }
        catch (YamlException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>Every endpoint must be an absolute http or https URL: containerd would skip anything else silently.</summary>
    public string? Validate()
    {
        foreach (var (host, mirror) in Mirrors)
        {
            foreach (var endpoint in mirror.Endpoint ?? [])
            {
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    return $"mirrors.\"{host}\": endpoint \"{endpoint}\" is not an http:// or https:// URL";
                }
            }
        }
        return null;
    }
}

public sealed class RegistryMirror
{
    public List<string> Endpoint { get; set; } = [];
}

public sealed class RegistryHostConfig
{
    public RegistryTls? Tls { get; set; }

    public RegistryAuth? Auth { get; set; }
}

public sealed class RegistryTls
{
    public bool InsecureSkipVerify { get; set; }

    /// <summary>A PEM file of CA certificates to trust for this host.</summary>
    public string? CaFile { get; set; }

    /// <summary>A client certificate and key, for registries that ask for one.</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }
}

public sealed class RegistryAuth
{
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>base64("user:password"), as in a docker config.</summary>
    public string? Auth { get; set; }

    public string? IdentityToken { get; set; }
}
