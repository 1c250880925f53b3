using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.E2E.Tests;

/// <summary>Images no node can already have, and pods that use them.</summary>
internal static class TestImages
{
    /// <summary>A one-file image whose content (and so its digest) is new each time.</summary>
    public static async Task<string> WriteUniqueAsync(string archivePath, string imageName)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await OciImageBuilder.WriteAsync(archivePath, imageName,
            new ImageLayer().AddFile("token", Encoding.UTF8.GetBytes(token + "\n")),
            new ImageRunConfig { Cmd = ["/token"] });
        return archivePath;
    }

    public static PodContext Pod(string image, string? pullPolicy = null, params string[] pullSecrets)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "img-" + Guid.NewGuid().ToString("N")[..8], NamespaceProperty = "default", Uid = Guid.NewGuid().ToString() },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "app", Image = image, ImagePullPolicy = pullPolicy }],
                ImagePullSecrets = pullSecrets.Select(s => new V1LocalObjectReference { Name = s }).ToList(),
            },
        };
        return new PodContext(pod, "e2e-node", "10.213.0.1", null, new Dictionary<string, ResourceQuantity>());
    }
}

/// <summary>Secrets for pull-secret tests, as the API would serve them (the real IObjectSource reads the API).</summary>
internal sealed class SecretsInMemory : IObjectSource
{
    private readonly Dictionary<(string, string), V1Secret> _secrets = [];

    public void Add(V1Secret secret) => _secrets[(secret.Metadata.NamespaceProperty, secret.Metadata.Name)] = secret;

    public Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct) => Task.FromResult<V1ConfigMap?>(null);

    public Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct) =>
        Task.FromResult(_secrets.TryGetValue((ns, name), out var s) ? s : null);
}
