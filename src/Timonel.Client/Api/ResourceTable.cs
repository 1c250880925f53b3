using System.Collections.Concurrent;
using k8s.Models;
using Timonel.Api.Scheme;

namespace Timonel.Client.Api;

/// <summary>Where a model type lives on the wire: group, version, plural and scope.</summary>
public static class ResourceTable
{
    private static readonly ConcurrentDictionary<Type, ResourceInfo> Cache = new();

    /// <summary>The built-in resource whose model is <typeparamref name="T"/>; unknown types are a bug.</summary>
    public static ResourceInfo For<T>() => For(typeof(T));

    public static ResourceInfo For(Type modelType) => Cache.GetOrAdd(modelType, static t =>
        ResourceRegistry.Builtin.Resources.FirstOrDefault(r => r.ModelType == t)
        ?? throw new ArgumentException($"{t.Name} is not a built-in resource model"));

    /// <summary>/api/v1/namespaces/ns/pods[/name[/sub]], or without the namespace part for cluster scope or all namespaces.</summary>
    public static string PathOf(ResourceInfo info, string? ns, string? name = null, string? subresource = null)
    {
        var root = info.Group.Length == 0 ? "/api/v1" : $"/apis/{info.Group}/{info.Version}";
        var path = info.Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{info.Plural}"
            : $"{root}/{info.Plural}";
        if (name is not null)
        {
            path += "/" + Uri.EscapeDataString(name);
            if (subresource is not null)
            {
                path += "/" + subresource;
            }
        }
        return path;
    }

    /// <summary>"namespace/name", or "name" for cluster-scoped objects: the key of caches and work queues.</summary>
    public static string KeyOf(V1ObjectMeta meta) =>
        string.IsNullOrEmpty(meta.NamespaceProperty) ? meta.Name : meta.NamespaceProperty + "/" + meta.Name;

    /// <summary>Splits a key made by <see cref="KeyOf"/>.</summary>
    public static (string? Namespace, string Name) SplitKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }
}
