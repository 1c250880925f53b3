using System.Text;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests;

/// <summary>Builders for pods and contexts, and an in-memory <see cref="IObjectSource"/>.</summary>
internal static class Make
{
    public static readonly IReadOnlyDictionary<string, ResourceQuantity> Allocatable = new Dictionary<string, ResourceQuantity>
    {
        ["cpu"] = new("4"),
        ["memory"] = new("8Gi"),
        ["ephemeral-storage"] = new("100Gi"),
    };

    public static V1Pod Pod(params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web-1",
            NamespaceProperty = "shop",
            Uid = "0b9e4a3c-1111-2222-3333-444455556666",
            Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" },
            Annotations = new Dictionary<string, string> { ["note"] = "say \"hi\"\n" },
        },
        Spec = new V1PodSpec { NodeName = "node-a", ServiceAccountName = "builder", Containers = containers.ToList() },
    };

    public static V1Container Container(string name = "app") => new() { Name = name, Image = "timonel.local/busybox:1" };

    public static PodContext Context(V1Pod pod, string? podIp = "10.42.0.7") => new(pod, "node-a", "192.168.50.2", podIp, Allocatable);

    public static Dictionary<string, ResourceQuantity> Res(params (string Name, string Value)[] items) =>
        items.ToDictionary(i => i.Name, i => new ResourceQuantity(i.Value));

    public static V1EnvVar EnvVar(string name, string? value = null, V1EnvVarSource? valueFrom = null) =>
        new() { Name = name, Value = value, ValueFrom = valueFrom };

    public static V1ObjectFieldSelector Field(string path) => new() { FieldPath = path };

    public static V1ResourceFieldSelector ResField(string resource, string? containerName = null, ResourceQuantity? divisor = null) =>
        new() { Resource = resource, ContainerName = containerName, Divisor = divisor };

    public static V1ConfigMapKeySelector CmKey(string key, string name, bool? optional = null) => new() { Key = key, Name = name, Optional = optional };

    public static V1SecretKeySelector SecretKey(string key, string name, bool? optional = null) => new() { Key = key, Name = name, Optional = optional };

    public static V1VolumeMount Mount(string path, string name, bool? readOnly = null, string? subPath = null, string? subPathExpr = null) =>
        new() { MountPath = path, Name = name, ReadOnlyProperty = readOnly, SubPath = subPath, SubPathExpr = subPathExpr };

    public static V1KeyToPath KeyPath(string key, string path, int? mode = null) => new() { Key = key, Path = path, Mode = mode };

    public static V1DownwardAPIVolumeFile DownFile(string path, V1ObjectFieldSelector? fieldRef = null, V1ResourceFieldSelector? resourceFieldRef = null) =>
        new() { Path = path, FieldRef = fieldRef, ResourceFieldRef = resourceFieldRef };

    public static V1HostPathVolumeSource HostPath(string path, string? type = null) => new() { Path = path, Type = type };

    public static V1ServiceAccountTokenProjection Token(string path, string? audience = null, long? expirationSeconds = null) =>
        new() { Path = path, Audience = audience, ExpirationSeconds = expirationSeconds };

    public static V1Sysctl Sysctl(string name, string value) => new() { Name = name, Value = value };

    public static V1ConfigMap ConfigMap(string name, params (string Key, string Value)[] data) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop" },
        Data = data.ToDictionary(d => d.Key, d => d.Value),
    };

    public static V1Secret Secret(string name, params (string Key, string Value)[] data) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop" },
        Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
    };
}

/// <summary>Objects held in memory; tests replace them to simulate updates.</summary>
internal sealed class MemoryObjects : IObjectSource
{
    public Dictionary<string, V1ConfigMap> ConfigMaps { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, V1Secret> Secrets { get; } = new(StringComparer.Ordinal);

    public MemoryObjects With(V1ConfigMap cm)
    {
        ConfigMaps[cm.Metadata.NamespaceProperty + "/" + cm.Metadata.Name] = cm;
        return this;
    }

    public MemoryObjects With(V1Secret secret)
    {
        Secrets[secret.Metadata.NamespaceProperty + "/" + secret.Metadata.Name] = secret;
        return this;
    }

    public Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken ct) =>
        Task.FromResult(ConfigMaps.GetValueOrDefault(ns + "/" + name));

    public Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken ct) =>
        Task.FromResult(Secrets.GetValueOrDefault(ns + "/" + name));
}

/// <summary>A temporary directory removed (after unmounting anything under it) when the test ends.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("timonel-kubelet-test-").FullName;

    public void Dispose()
    {
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo").Reverse())
        {
            var point = line.Split(' ')[4];
            if (point.StartsWith(Path + "/", StringComparison.Ordinal))
            {
                using var umount = System.Diagnostics.Process.Start("umount", ["-l", point]);
                umount.WaitForExit();
            }
        }
        Directory.Delete(Path, recursive: true);
    }
}
