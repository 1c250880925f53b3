using System.Text.Json.Serialization.Metadata;
using k8s;

namespace Timonel.Api.Json;

/// <summary>How this process turns KubernetesClient models into JSON and back.</summary>
public static class ModelJson
{
    /// <summary>
    /// <see cref="ModelJsonContext"/> first; reflection for any type outside it (a rare path, and
    /// still only that type's metadata).
    /// </summary>
    internal static IJsonTypeInfoResolver Resolver { get; } =
        JsonTypeInfoResolver.Combine(ModelJsonContext.Default, new DefaultJsonTypeInfoResolver());

    /// <summary>
    /// Makes <see cref="KubernetesJson"/> resolve model metadata through <see cref="Resolver"/>
    /// instead of KubernetesClient's context of every model, whose first use loads all of them.
    /// Call once at process start, before anything is serialized; the JSON is the same either way.
    /// </summary>
    public static void Install() =>
        KubernetesJson.AddJsonOptions(options => options.TypeInfoResolver = Resolver);
}
