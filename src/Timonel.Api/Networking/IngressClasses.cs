using k8s.Models;

namespace Timonel.Api.Networking;

/// <summary>
/// Which Ingresses the built-in controller serves, shared by the agents' proxies and the server's
/// status controller so both always agree: those naming an IngressClass whose
/// <c>spec.controller</c> is <see cref="Controller"/>, and those naming no class while one of
/// those classes is marked default (the API server also fills the name in at creation; the check
/// here covers Ingresses created before the class). The legacy annotation
/// <c>kubernetes.io/ingress.class</c> counts as a class name when the field is empty.
/// </summary>
public static class IngressClasses
{
    public const string DefaultName = "timonel";
    public const string Controller = "timonel.io/ingress";
    public const string IsDefaultAnnotation = "ingressclass.kubernetes.io/is-default-class";
    public const string LegacyClassAnnotation = "kubernetes.io/ingress.class";

    /// <summary>The names of our classes and whether one of them is the cluster's default.</summary>
    public sealed record Ours(IReadOnlySet<string> Names, bool HasDefault)
    {
        public bool Serves(V1Ingress ingress)
        {
            ArgumentNullException.ThrowIfNull(ingress);
            var name = ingress.Spec?.IngressClassName;
            if (string.IsNullOrEmpty(name) && ingress.Metadata?.Annotations?.TryGetValue(LegacyClassAnnotation, out var legacy) == true)
            {
                name = legacy;
            }
            return string.IsNullOrEmpty(name) ? HasDefault : Names.Contains(name);
        }
    }

    public static Ours From(IEnumerable<V1IngressClass> classes)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hasDefault = false;
        foreach (var c in classes)
        {
            if (c.Spec?.Controller != Controller || c.Metadata?.DeletionTimestamp is not null)
            {
                continue;
            }
            names.Add(c.Metadata!.Name);
            hasDefault |= IsDefault(c);
        }
        return new Ours(names, hasDefault);
    }

    public static bool IsDefault(V1IngressClass c) =>
        c.Metadata?.Annotations?.TryGetValue(IsDefaultAnnotation, out var value) == true
        && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
