using System.Collections.Frozen;

namespace Timonel.Api.Scheme;

/// <summary>Looks resources up by group, version and plural, and lists the served group-versions.</summary>
public sealed class ResourceRegistry
{
    private readonly FrozenDictionary<(string Group, string Version, string Plural), ResourceInfo> _byPath;
    private readonly FrozenDictionary<(string Group, string Kind), ResourceInfo> _byKind;

    public ResourceRegistry(IEnumerable<ResourceInfo> resources)
    {
        Resources = resources.ToList();
        _byPath = Resources.ToFrozenDictionary(r => (r.Group, r.Version, r.Plural));
        _byKind = Resources.GroupBy(r => (r.Group, r.Kind)).ToFrozenDictionary(g => g.Key, g => g.First());
        Groups = Resources
            .GroupBy(r => r.Group)
            .Select(g => new GroupInfo(g.Key, g.Select(r => r.Version).Distinct().ToList(),
                g.GroupBy(r => r.Version).ToDictionary(v => v.Key, v => (IReadOnlyList<ResourceInfo>)v.ToList())))
            .ToList();
    }

    public static ResourceRegistry Builtin { get; } = new(BuiltinResources.All);

    public IReadOnlyList<ResourceInfo> Resources { get; }

    /// <summary>Groups in the order they are listed in discovery; the core group ("") first.</summary>
    public IReadOnlyList<GroupInfo> Groups { get; }

    public ResourceInfo? Find(string group, string version, string plural) =>
        _byPath.GetValueOrDefault((group, version, plural));

    public ResourceInfo? FindKind(string group, string kind) => _byKind.GetValueOrDefault((group, kind));
}

/// <summary>One API group: its versions (preferred first) and the resources of each version.</summary>
public sealed record GroupInfo(string Name, IReadOnlyList<string> Versions, IReadOnlyDictionary<string, IReadOnlyList<ResourceInfo>> ByVersion);
