namespace Timonel.Api.Scheme;

/// <summary>
/// What the API knows about one resource: its group-version-kind, REST names, scope, model type and
/// subresources. Immutable; one instance per served resource.
/// </summary>
public sealed record ResourceInfo
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    /// <summary>The REST name, e.g. "deployments".</summary>
    public required string Plural { get; init; }
    public required bool Namespaced { get; init; }
    /// <summary>The KubernetesClient model, e.g. typeof(V1Deployment).</summary>
    public required Type ModelType { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    /// <summary>Subresources served under the object, e.g. "status", "scale".</summary>
    public IReadOnlyList<string> Subresources { get; init; } = [];

    /// <summary>The lower-case kind, e.g. "deployment".</summary>
    public string Singular => Kind.ToLowerInvariant();
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string ListKind => Kind + "List";
    /// <summary>"deployments.apps", or "pods" for the core group: how errors name the resource.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The store prefix of this resource: core "/registry/pods/", others "/registry/apps/deployments/".</summary>
    public string KeyPrefix => Group.Length == 0 ? $"/registry/{Plural}/" : $"/registry/{Group}/{Plural}/";

    public bool HasStatus => Subresources.Contains("status");

    /// <summary>The verbs served; create-only review resources have just "create".</summary>
    public IReadOnlyList<string> Verbs { get; init; } = AllVerbs;

    /// <summary>A review resource that is computed per request and never stored.</summary>
    public bool IsVirtual => Verbs.Count == 1 && Verbs[0] == "create";

    public static readonly IReadOnlyList<string> AllVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
