using System.Net;

namespace Timonel.Network.Dns;

/// <summary>
/// The resolver settings of a resolv.conf file, in the shape of CRI's DNSConfig (servers,
/// searches, options as "name" or "name:value").
/// </summary>
public sealed record ResolvConf(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static ResolvConf Empty { get; } = new([], [], []);

    /// <summary>
    /// Reads the lines glibc reads: `nameserver` (one address each), `search` and `domain` (the
    /// last of them wins), `options`; comments start with '#' or ';'. A search list of only "."
    /// means none. Unknown lines are ignored, as the resolver ignores them.
    /// </summary>
    public static ResolvConf Parse(string text)
    {
        var servers = new List<string>();
        IReadOnlyList<string> searches = [];
        var options = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0].Trim();
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }
            switch (fields[0])
            {
                case "nameserver":
                    servers.Add(fields[1]);
                    break;
                case "search":
                case "domain":
                    searches = fields[1..].Where(s => s != ".").Select(s => s.TrimEnd('.')).ToList();
                    break;
                case "options":
                    options.AddRange(fields[1..]);
                    break;
            }
        }
        return new ResolvConf(servers, searches, options);
    }

    public static ResolvConf ReadFile(string path) => File.Exists(path) ? Parse(File.ReadAllText(path)) : Empty;

    /// <summary>The nameservers that parse as addresses (a malformed line is skipped, as glibc skips it).</summary>
    public IReadOnlyList<IPAddress> ServerAddresses =>
        Servers.Select(s => IPAddress.TryParse(s, out var ip) ? ip : null).OfType<IPAddress>().ToList();

    /// <summary>Equal when the three lists hold the same entries in the same order.</summary>
    public bool Equals(ResolvConf? other) =>
        other is not null && Servers.SequenceEqual(other.Servers) && Searches.SequenceEqual(other.Searches) && Options.SequenceEqual(other.Options);

    public override int GetHashCode() => HashCode.Combine(Servers.Count, Searches.Count, Options.Count);

    /// <summary>The file a container sees.</summary>
    public string Render()
    {
        var lines = new List<string>();
        if (Searches.Count > 0)
        {
            lines.Add("search " + string.Join(' ', Searches));
        }
        lines.AddRange(Servers.Select(s => "nameserver " + s));
        if (Options.Count > 0)
        {
            lines.Add("options " + string.Join(' ', Options));
        }
        return string.Join('\n', lines) + "\n";
    }
}
