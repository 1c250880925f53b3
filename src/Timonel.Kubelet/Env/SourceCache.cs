using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Env;

/// <summary>
/// The ConfigMaps and Secrets one build reads, each fetched once (so a container sees one version
/// of an object even when several variables refer to it). A missing object is an error value worded
/// as the kubelet's object cache words it: <c>configmap "x" not found</c>, <c>secret "x" not found</c>.
/// </summary>
internal sealed class SourceCache(IObjectSource objects, string ns)
{
    private readonly Dictionary<string, V1ConfigMap?> _configMaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1Secret?> _secrets = new(StringComparer.Ordinal);

    public async Task<(V1ConfigMap? Value, string? Error)> ConfigMapAsync(string name, CancellationToken ct)
    {
        if (!_configMaps.TryGetValue(name, out var cm))
        {
            cm = await objects.GetConfigMapAsync(ns, name, ct).ConfigureAwait(false);
            _configMaps[name] = cm;
        }
        return cm is null ? (null, $"configmap \"{name}\" not found") : (cm, null);
    }

    public async Task<(V1Secret? Value, string? Error)> SecretAsync(string name, CancellationToken ct)
    {
        if (!_secrets.TryGetValue(name, out var secret))
        {
            secret = await objects.GetSecretAsync(ns, name, ct).ConfigureAwait(false);
            _secrets[name] = secret;
        }
        return secret is null ? (null, $"secret \"{name}\" not found") : (secret, null);
    }
}
