using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Timonel.Controllers.Deployments;

/// <summary>
/// The pod-template-hash label: a stable short name for a pod template. The hash is FNV-1a (32
/// bits) over the template's canonical JSON (object keys sorted, the hash label itself left out)
/// followed by the collision count, written in decimal and then spelled with upstream's
/// vowel-free alphabet so it never forms words. The same template always gives the same hash,
/// in every process; a collision (a ReplicaSet of that name with another template) is resolved by
/// bumping status.collisionCount.
/// </summary>
public static class PodTemplates
{
    public const string HashLabel = "pod-template-hash";
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Hash(V1PodTemplateSpec template, int? collisionCount)
    {
        var text = Canonical(template);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }
        if (collisionCount is { } c)
        {
            foreach (var b in BitConverter.GetBytes((uint)c))
            {
                hash = (hash ^ b) * 16777619u;
            }
        }
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        return string.Concat(digits.Select(d => Alphabet[d % Alphabet.Length]));
    }

    /// <summary>Equal pod templates, ignoring the hash label (a ReplicaSet's template carries it, the deployment's does not).</summary>
    public static bool EqualIgnoringHash(V1PodTemplateSpec a, V1PodTemplateSpec b) =>
        string.Equals(Canonical(a), Canonical(b), StringComparison.Ordinal);

    /// <summary>A copy of the template without the hash label: what `rollout undo` writes back.</summary>
    public static V1PodTemplateSpec WithoutHash(V1PodTemplateSpec template)
    {
        var copy = Workloads.ObjectCopy.Clone(template);
        copy.Metadata?.Labels?.Remove(HashLabel);
        return copy;
    }

    private static string Canonical(V1PodTemplateSpec template)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(template))!;
        if (node["metadata"]?["labels"] is JsonObject labels)
        {
            labels.Remove(HashLabel);
            if (labels.Count == 0)
            {
                node["metadata"]!.AsObject().Remove("labels");
            }
        }
        return Sorted(node)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Where(p => p.Value is not null)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
