using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Env;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// ConfigMaps, Secrets and Services read straight from the API server (a GET each; 404 is null), and service
/// account tokens through TokenRequest. The agent's node credential may read them; a failure
/// other than 404 is broken infrastructure and throws, so the pod's worker retries the sync.
/// </summary>
public sealed class ApiObjectSource(ApiConnection api) : IObjectSource, IServiceAccountTokenSource, IServiceSource
{
    /// <summary>The namespace's Services in one LIST (the kubelet uses an informer; one list per container start is enough here).</summary>
    public async Task<IReadOnlyList<V1Service>> ListServicesAsync(string ns, CancellationToken ct)
    {
        var result = await api.ListAsync<V1Service>(ns, null, ct).ConfigureAwait(false);
        return result.Require().Items;
    }

    public async Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct)
    {
        var result = await api.GetAsync<V1ConfigMap>(ns, name, ct).ConfigureAwait(false);
        return result.IsNotFound ? null : result.Require();
    }

    public async Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct)
    {
        var result = await api.GetAsync<V1Secret>(ns, name, ct).ConfigureAwait(false);
        return result.IsNotFound ? null : result.Require();
    }

    /// <summary>
    /// The server does not serve TokenRequest: 404 or 405 that is not about the ServiceAccount
    /// itself, or 503 (Timonel's API server answers its unserved subresources with 503
    /// ServiceUnavailable "... needs a node agent"). The caller retries soon, so a server that
    /// was only briefly unavailable gets asked again.
    /// </summary>
    private static bool CannotIssue(HttpResponseMessageWrapper response) =>
        response.StatusCode is HttpStatusCode.ServiceUnavailable
        || (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed
            && !response.Content.Contains("serviceaccounts", StringComparison.OrdinalIgnoreCase));

    /// <summary>A token bound to the pod; Token null when the server cannot issue tokens (see <see cref="CannotIssue"/>).</summary>
    public async Task<ServiceAccountToken> RequestAsync(string ns, string serviceAccount, string podName, string podUid,
        string? audience, long expirationSeconds, CancellationToken ct)
    {
        var request = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Spec = new V1TokenRequestSpec
            {
                Audiences = string.IsNullOrEmpty(audience) ? [] : [audience],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = podName, Uid = podUid },
            },
        };
        try
        {
            var issued = await api.Kubernetes.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, serviceAccount, ns, cancellationToken: ct)
                .ConfigureAwait(false);
            return new ServiceAccountToken(issued.Status?.Token ?? "", null);
        }
        catch (HttpOperationException e) when (CannotIssue(e.Response))
        {
            return new ServiceAccountToken(null, null);
        }
        catch (HttpOperationException e)
        {
            return new ServiceAccountToken(null, $"{(int)e.Response.StatusCode}: {e.Response.Content}");
        }
    }
}
