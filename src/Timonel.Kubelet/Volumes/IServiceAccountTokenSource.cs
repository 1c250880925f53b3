namespace Timonel.Kubelet.Volumes;

/// <summary>A bound service account token for a projected volume (TokenRequest).</summary>
/// <param name="Token">The JWT; null when the API server cannot issue tokens (no TokenRequest endpoint).</param>
/// <param name="Error">Set when the server refused for another reason (e.g. the service account does not exist).</param>
public sealed record ServiceAccountToken(string? Token, string? Error);

/// <summary>
/// Issues tokens for projected <c>serviceAccountToken</c> sources. Kept apart from
/// <see cref="Pods.IObjectSource"/> (a fixed seam) so that seam stays read-only.
/// </summary>
public interface IServiceAccountTokenSource
{
    Task<ServiceAccountToken> RequestAsync(string ns, string serviceAccount, string podName, string podUid,
        string? audience, long expirationSeconds, CancellationToken ct);
}
