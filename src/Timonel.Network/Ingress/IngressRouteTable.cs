namespace Timonel.Network.Ingress;

/// <summary>What a request resolved to: a backend, or why there is none.</summary>
public readonly record struct IngressRoute(IngressBackendPool? Backend)
{
    /// <summary>No rule and no default backend: 404.</summary>
    public bool NotFound => Backend is null;
}

/// <summary>The paths of one host (or of every host, for rules without one), in evaluation order.</summary>
public sealed class IngressHostRules(IReadOnlyList<IngressPathRule> paths)
{
    public IReadOnlyList<IngressPathRule> Paths { get; } = paths;

    public IngressBackendPool? Match(string path)
    {
        foreach (var rule in Paths)
        {
            if (rule.Matches(path))
            {
                return rule.Backend;
            }
        }
        return null;
    }
}

/// <summary>
/// The immutable routing state of the ingress (swapped whole on every rebuild). A request's host
/// picks one group of rules: the exact host, else the wildcard of its parent domain
/// (<c>*.apps.example.test</c> matches exactly one more label, as upstream), else the rules
/// without a host. Within the group the longest matching path wins. No match in the chosen group
/// falls to the default backend (there is no fall-through to a less specific group, as with
/// nginx's per-host servers); without one, 404.
/// </summary>
public sealed class IngressRouteTable
{
    public static readonly IngressRouteTable Empty = new(
        new Dictionary<string, IngressHostRules>(), new Dictionary<string, IngressHostRules>(), null, null, 0);

    private readonly IReadOnlyDictionary<string, IngressHostRules> _exactHosts;
    private readonly IReadOnlyDictionary<string, IngressHostRules> _wildcardParents;
    private readonly IngressHostRules? _anyHost;

    /// <param name="exactHosts">Lower-case host → its rules.</param>
    /// <param name="wildcardParents">Lower-case parent domain of a wildcard host (<c>apps.example.test</c>) → its rules.</param>
    public IngressRouteTable(
        IReadOnlyDictionary<string, IngressHostRules> exactHosts,
        IReadOnlyDictionary<string, IngressHostRules> wildcardParents,
        IngressHostRules? anyHost,
        IngressBackendPool? defaultBackend,
        int ingressCount)
    {
        _exactHosts = exactHosts;
        _wildcardParents = wildcardParents;
        _anyHost = anyHost;
        DefaultBackend = defaultBackend;
        IngressCount = ingressCount;
    }

    public IngressBackendPool? DefaultBackend { get; }

    /// <summary>How many Ingresses of our class the table was built from.</summary>
    public int IngressCount { get; }

    /// <param name="host">The request's host without port, any case.</param>
    /// <param name="path">The request path (decoded, as Kestrel gives it).</param>
    public IngressRoute Resolve(string host, string path)
    {
        var group = RulesFor(host.ToLowerInvariant().TrimEnd('.'));
        var backend = group?.Match(path.Length == 0 ? "/" : path);
        return new IngressRoute(backend ?? DefaultBackend);
    }

    private IngressHostRules? RulesFor(string host)
    {
        if (_exactHosts.TryGetValue(host, out var exact))
        {
            return exact;
        }
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && _wildcardParents.TryGetValue(host[(dot + 1)..], out var wildcard))
        {
            return wildcard;
        }
        return _anyHost;
    }
}
