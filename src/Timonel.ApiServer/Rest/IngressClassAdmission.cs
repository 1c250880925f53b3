using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Rest;

/// <summary>
/// The DefaultIngressClass admission step, as upstream's: a new Ingress that names no class
/// (neither <c>spec.ingressClassName</c> nor the legacy <c>kubernetes.io/ingress.class</c>
/// annotation) gets the name of the IngressClass marked
/// <c>ingressclass.kubernetes.io/is-default-class: "true"</c>; with several defaults the most
/// recently created wins (upstream's rule since 1.28); with none the Ingress stays unclassed.
/// Classes are read from the watch cache, so admission costs no store read per Ingress.
/// </summary>
public static class IngressClassAdmission
{
    private const string DefaultAnnotation = "ingressclass.kubernetes.io/is-default-class";
    private const string LegacyAnnotation = "kubernetes.io/ingress.class";

    public static async Task AdmitIngressAsync(ApiContext api, JsonObject ingress, CancellationToken ct)
    {
        var spec = ingress["spec"] as JsonObject;
        if (spec?["ingressClassName"] is JsonValue named && !string.IsNullOrEmpty(named.GetValue<string>()))
        {
            return;
        }
        if (ingress["metadata"]?["annotations"]?[LegacyAnnotation] is not null)
        {
            return;
        }
        var resource = api.Registry.Find("networking.k8s.io", "v1", "ingressclasses")!;
        var (cached, _) = await api.CacheFor(resource).SnapshotAsync(resource.KeyPrefix, ct);
        var chosen = cached.Select(c => c.Parse())
            .Where(c => string.Equals(c["metadata"]?["annotations"]?[DefaultAnnotation]?.GetValue<string>(), "true", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(c => c["metadata"]?["creationTimestamp"]?.GetValue<string>() ?? "", StringComparer.Ordinal)
            .ThenBy(ObjectMeta.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen is null)
        {
            return;
        }
        spec ??= [];
        spec["ingressClassName"] = ObjectMeta.Name(chosen);
        ingress["spec"] = spec;
    }
}
