using System.Collections.Concurrent;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Kubelet.Volumes;

public sealed partial class PodVolumes
{
    /// <summary>Issued tokens by pod uid, volume and path; renewed after 80% of their lifetime, as the kubelet does.</summary>
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset RenewAt)> _tokens = new(StringComparer.Ordinal);

    /// <summary>How soon a server that could not issue a token is asked again.</summary>
    private static readonly TimeSpan NoTokenRetry = TimeSpan.FromMinutes(1);

    private async Task<(PreparedVolume?, string?)> SetUpProjectedAsync(Pods.PodContext pod, string uid, string name,
        V1ProjectedVolumeSource source, CancellationToken ct)
    {
        var ns = pod.Pod.Metadata.NamespaceProperty ?? "default";
        var defaultMode = source.DefaultMode ?? VolumePayloads.DefaultMode;
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        foreach (var projection in source.Sources ?? [])
        {
            string? error = null;
            if (projection.ConfigMap is { } cmSource)
            {
                var cm = await objects.GetConfigMapAsync(ns, cmSource.Name, ct).ConfigureAwait(false);
                var optional = cmSource.Optional == true;
                if (cm is null)
                {
                    error = optional ? null : $"configmap \"{cmSource.Name}\" not found";
                }
                else
                {
                    error = VolumePayloads.FromKeys(payload, VolumePayloads.DataOf(cm), cmSource.Items, defaultMode, optional,
                        "configmap references non-existent config key: ");
                }
            }
            else if (projection.Secret is { } secretSource)
            {
                var secret = await objects.GetSecretAsync(ns, secretSource.Name, ct).ConfigureAwait(false);
                var optional = secretSource.Optional == true;
                if (secret is null)
                {
                    error = optional ? null : $"secret \"{secretSource.Name}\" not found";
                }
                else
                {
                    error = VolumePayloads.FromKeys(payload, VolumePayloads.DataOf(secret), secretSource.Items, defaultMode, optional,
                        "references non-existent secret key: ");
                }
            }
            else if (projection.DownwardAPI is { } downward)
            {
                error = VolumePayloads.FromDownward(payload, pod, downward.Items, defaultMode);
            }
            else if (projection.ServiceAccountToken is { } tokenSource)
            {
                var (token, tokenError) = await TokenAsync(pod, uid, name, tokenSource, ct).ConfigureAwait(false);
                error = tokenError;
                if (token is not null)
                {
                    payload[tokenSource.Path] = new FileProjection(Encoding.UTF8.GetBytes(token), defaultMode);
                }
            }
            else
            {
                error = "unsupported projected volume source: Timonel's agent supports configMap, secret, downwardAPI and serviceAccountToken";
            }
            if (error is not null)
            {
                return (null, error);
            }
        }
        return WriteFiles(VolumeDir(uid, "kubernetes.io~projected", name), payload, options.SecretsOnTmpfs, pod);
    }

    /// <summary>
    /// The token of a serviceAccountToken source. When the API server cannot issue tokens (no
    /// TokenRequest endpoint, or no token source wired) the file is written empty: the path exists
    /// as clients expect, and carries no credential that would be wrong.
    /// </summary>
    private async Task<(string? Token, string? Error)> TokenAsync(Pods.PodContext pod, string uid, string volume,
        V1ServiceAccountTokenProjection source, CancellationToken ct)
    {
        var key = $"{uid}/{volume}/{source.Path}";
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(key, out var cached) && now < cached.RenewAt)
        {
            return (cached.Token, null);
        }
        var expiration = source.ExpirationSeconds ?? 3600;
        if (tokens is null)
        {
            return ("", null);
        }
        var ns = pod.Pod.Metadata.NamespaceProperty ?? "default";
        var account = string.IsNullOrEmpty(pod.Pod.Spec?.ServiceAccountName) ? "default" : pod.Pod.Spec.ServiceAccountName;
        var issued = await tokens.RequestAsync(ns, account, pod.Pod.Metadata.Name, uid, source.Audience, expiration, ct).ConfigureAwait(false);
        if (issued.Error is not null)
        {
            return (null, $"failed to fetch token: {issued.Error}");
        }
        if (issued.Token is null)
        {
            LogNoTokenRequest(_log, ns, account);
            _tokens[key] = ("", now + NoTokenRetry);
            return ("", null);
        }
        _tokens[key] = (issued.Token, now.AddSeconds(expiration * 0.8));
        return (issued.Token, null);
    }

    private void ForgetTokens(string uid)
    {
        foreach (var key in _tokens.Keys.Where(k => k.StartsWith(uid + "/", StringComparison.Ordinal)))
        {
            _tokens.TryRemove(key, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The API server issues no service account tokens (TokenRequest); {Ns}/{Account}'s projected token file is empty")]
    private static partial void LogNoTokenRequest(ILogger logger, string ns, string account);
}
