using System.Text.RegularExpressions;

namespace Timonel.Kubelet.Images;

/// <summary>
/// An image reference in the docker grammar (<c>[domain/]path[:tag][@digest]</c>), split the way
/// container runtimes normalise it: a first component without '.' or ':' that is not
/// <c>localhost</c> is part of the path on <c>docker.io</c>, and a one-component docker.io path
/// lives under <c>library/</c>.
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";
    private const string LegacyDefaultDomain = "index.docker.io";
    private const int NameTotalLengthMax = 255;

    /// <summary>domain/path: the repository, the part registry credentials are matched against.</summary>
    public string Repository => $"{Domain}/{Path}";

    /// <summary>The fully qualified reference: domain, path, tag (latest when neither tag nor digest) and digest.</summary>
    public string Normalized =>
        Repository + (Tag is not null ? ":" + Tag : Digest is null ? ":" + DefaultTag : "") + (Digest is not null ? "@" + Digest : "");

    /// <summary>Parses <paramref name="image"/>; the failure is the text runtimes give for a malformed reference.</summary>
    public static ImageReference? Parse(string? image, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(image))
        {
            error = "invalid reference format: repository name must have at least one component";
            return null;
        }
        if (Hex64().IsMatch(image))
        {
            error = $"invalid repository name ({image}), cannot specify 64-byte hexadecimal strings";
            return null;
        }
        var match = ReferencePattern().Match(image);
        if (!match.Success)
        {
            // Tell the common mistake apart, as the docker grammar does: valid once lowercased.
            error = ReferencePattern().IsMatch(image.ToLowerInvariant())
                ? "invalid reference format: repository name must be lowercase"
                : "invalid reference format";
            return null;
        }
        var name = match.Groups["name"].Value;
        if (name.Length > NameTotalLengthMax)
        {
            error = $"repository name must not be more than {NameTotalLengthMax} characters";
            return null;
        }
        var (domain, path) = SplitDomain(name);
        if (path.Any(char.IsAsciiLetterUpper))
        {
            error = "invalid reference format: repository name must be lowercase";
            return null;
        }
        var tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        var digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null;
        return new ImageReference(domain, path, tag, digest);
    }

    /// <summary>
    /// What the kubelet hands to the runtime: the image as written, with <c>:latest</c> appended when
    /// it has neither tag nor digest (the domain stays implicit, the runtime adds it).
    /// </summary>
    public static string WithDefaultTag(string image, ImageReference parsed) =>
        parsed.Tag is null && parsed.Digest is null ? image + ":" + DefaultTag : image;

    private static (string Domain, string Path) SplitDomain(string name)
    {
        var slash = name.IndexOf('/');
        string domain, path;
        if (slash < 0 || (name.AsSpan(0, slash).IndexOfAny('.', ':') < 0 && name[..slash] != "localhost" && !name[..slash].Any(char.IsAsciiLetterUpper)))
        {
            (domain, path) = (DefaultDomain, name);
        }
        else
        {
            (domain, path) = (name[..slash], name[(slash + 1)..]);
        }
        if (domain == LegacyDefaultDomain)
        {
            domain = DefaultDomain;
        }
        if (domain == DefaultDomain && !path.Contains('/'))
        {
            path = "library/" + path;
        }
        return (domain, path);
    }

    // The docker reference grammar: a domain component may hold uppercase letters, path
    // components are lowercase alphanumerics joined by '.', '_', '__' or dashes.
    [GeneratedRegex(@"^(?<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Hex64();
}
