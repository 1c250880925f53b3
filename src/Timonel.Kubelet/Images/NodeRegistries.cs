using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Images;

/// <summary>What the registries file gives the node's containerd, or why the file is unusable.</summary>
/// <param name="Auths">For <see cref="Containerd.ContainerdOptions.RegistryAuths"/>.</param>
/// <param name="Error">The file exists but does not parse or names a bad endpoint; the agent should not start.</param>
public sealed record NodeRegistriesResult(IReadOnlyDictionary<string, RegistryAuth> Auths, string? Error);

/// <summary>
/// The agent-start step for <c>AGENTDIR/registries.yaml</c>: writes its hosts.toml files into the
/// containerd's config_path (removing ones an earlier version of the file produced) and returns
/// the credentials the containerd config must carry. Run before containerd starts: hosts.toml
/// changes are read at every pull, but credentials live in config.toml, which containerd reads once.
/// </summary>
public static class NodeRegistries
{
    public static async Task<NodeRegistriesResult> PrepareAsync(string agentDir, string registryConfigPath, ILogger logger, CancellationToken ct)
    {
        var path = Path.Combine(agentDir, RegistriesConfig.FileName);
        var config = RegistriesConfig.Load(path, out var error);
        if (error is not null)
        {
            return new NodeRegistriesResult(new Dictionary<string, RegistryAuth>(), $"{path}: {error}");
        }
        await RegistryHosts.WriteAsync(registryConfigPath, config, logger, ct).ConfigureAwait(false);
        return new NodeRegistriesResult(RegistryHosts.AuthsOf(config), null);
    }
}
