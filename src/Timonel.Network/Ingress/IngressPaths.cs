namespace Timonel.Network.Ingress;

/// <summary>How an Ingress path matches a request path (spec.rules[].http.paths[].pathType).</summary>
public enum IngressPathKind
{
    /// <summary>The whole request path, case-sensitive.</summary>
    Exact,

    /// <summary>
    /// Element-wise prefix on '/'-separated elements: <c>/foo</c> matches <c>/foo</c>, <c>/foo/</c>
    /// and <c>/foo/bar</c>, not <c>/foobar</c>; a trailing '/' of the rule is ignored.
    /// ImplementationSpecific is treated as Prefix.
    /// </summary>
    Prefix,
}

/// <summary>One path of one rule, already resolved to its backend.</summary>
/// <param name="Order">Tie-breaker between equal paths: the older Ingress (lower order) wins.</param>
public sealed record IngressPathRule(IngressPathKind Kind, string Path, IngressBackendPool Backend, int Order)
{
    /// <summary>The rule's path without its trailing '/' (except the root): what a Prefix compares.</summary>
    public string Normalized { get; } = Kind == IngressPathKind.Prefix ? TrimTrailingSlash(Path) : Path;

    public bool Matches(string requestPath)
    {
        if (Kind == IngressPathKind.Exact)
        {
            return string.Equals(requestPath, Path, StringComparison.Ordinal);
        }
        var prefix = Normalized;
        if (prefix == "/")
        {
            return true;
        }
        // Equal, or the prefix followed by a '/' in the request: element boundaries only.
        return requestPath.StartsWith(prefix, StringComparison.Ordinal)
            && (requestPath.Length == prefix.Length || requestPath[prefix.Length] == '/');
    }

    /// <summary>
    /// Order of evaluation: longer paths first (the longest match wins), Exact before Prefix at
    /// equal length, then the older Ingress; the first rule that matches is the answer.
    /// </summary>
    public static int Precedence(IngressPathRule a, IngressPathRule b)
    {
        var byLength = b.Normalized.Length.CompareTo(a.Normalized.Length);
        if (byLength != 0)
        {
            return byLength;
        }
        var byKind = a.Kind.CompareTo(b.Kind);
        return byKind != 0 ? byKind : a.Order.CompareTo(b.Order);
    }

    private static string TrimTrailingSlash(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }
}
