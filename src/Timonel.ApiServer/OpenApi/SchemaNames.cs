using System.Text.RegularExpressions;
using k8s.Models;
using Timonel.Api.Schema;
using Timonel.Api.Scheme;

namespace Timonel.ApiServer.OpenApi;

/// <summary>
/// Upstream's schema names (io.k8s.api.apps.v1.DeploymentSpec) for the KubernetesClient models.
/// The C# names drop the API package (V1DeploymentSpec), so the package is found as follows:
/// apimachinery types by name; names that carry their package (Corev1EndpointPort) from that prefix;
/// every other type belongs to the first served kind that reaches it, core kinds first. That holds
/// because a type of package X is reached by kinds of X before any other package's kinds, except
/// for the few core types listed in <see cref="CoreOnlyReachedFromOtherGroups"/>.
/// Immutable once built; built once per registry.
/// </summary>
public sealed partial class SchemaNames
{
    public const string Time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
    public const string MicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
    public const string IntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    public const string Quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    public const string RawExtension = "io.k8s.apimachinery.pkg.runtime.RawExtension";
    private const string MetaV1 = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    private static readonly HashSet<string> MetaTypes =
    [
        "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
        "Condition", "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "WatchEvent",
        "APIResource", "APIResourceList", "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery",
        "ServerAddressByClientCIDR", "FieldSelectorRequirement",
    ];

    private static readonly HashSet<string> CoreOnlyReachedFromOtherGroups = ["TopologySelectorTerm", "TopologySelectorLabelRequirement"];

    private readonly Dictionary<Type, string> _names = [];

    public SchemaNames(IEnumerable<ResourceInfo> resources)
    {
        foreach (var r in resources.OrderBy(r => r.Group.Length == 0 ? 0 : 1))
        {
            Assign(r.ModelType, Package(r.Group));
        }
    }

    /// <summary>The schema name of a model type reached from a served kind (or a list of one).</summary>
    public string Of(Type model)
    {
        if (_names.TryGetValue(model, out var name))
        {
            return name;
        }
        var (version, rest, prefixed) = Split(model.Name);
        return prefixed is not null ? $"io.k8s.api.{prefixed}.{version}.{rest}" : $"{MetaV1}{rest}";
    }

    /// <summary>The package segment of a group: "" → core, "rbac.authorization.k8s.io" → rbac.</summary>
    public static string Package(string group) => group.Length == 0 ? "core" : group.Split('.')[0];

    private void Assign(Type root, string package)
    {
        var pending = new Stack<Type>([root]);
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            if (_names.ContainsKey(t))
            {
                continue;
            }
            var (version, rest, prefixed) = Split(t.Name);
            _names[t] = MetaTypes.Contains(rest) && version == "v1" && prefixed is null ? MetaV1 + rest
                : $"io.k8s.api.{prefixed ?? (CoreOnlyReachedFromOtherGroups.Contains(rest) ? "core" : package)}.{version}.{rest}";
            foreach (var f in ModelFields.Of(t).Values)
            {
                if (f.ItemType is not null && f.ItemType != typeof(ResourceQuantity))
                {
                    pending.Push(f.ItemType);
                }
            }
        }
    }

    /// <summary>V1DeploymentSpec → (v1, DeploymentSpec, null); Corev1EndpointPort → (v1, EndpointPort, core).</summary>
    private static (string Version, string Name, string? Package) Split(string csharpName)
    {
        var m = Versioned().Match(csharpName);
        if (!m.Success)
        {
            throw new InvalidOperationException($"model type name without an API version: {csharpName}");
        }
        var package = m.Groups[1].Value;
        return (m.Groups[2].Value.ToLowerInvariant(), m.Groups[3].Value, package.Length == 0 ? null : package.ToLowerInvariant());
    }

    [GeneratedRegex(@"^([A-Z][a-z]+)?([Vv]\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$")]
    private static partial Regex Versioned();
}
