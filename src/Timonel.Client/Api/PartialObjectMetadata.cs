using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Timonel.Client.Api;

/// <summary>
/// meta.k8s.io/v1 PartialObjectMetadata: an object of any kind seen only by its metadata, as the API
/// server answers a metadata-only list or watch. The KubernetesClient package has no model for this
/// meta type, hence this one.
/// </summary>
public sealed class PartialObjectMetadata : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "meta.k8s.io/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "PartialObjectMetadata";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();
}
