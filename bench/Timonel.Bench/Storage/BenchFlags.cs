using System.Globalization;

namespace Timonel.Bench.Storage;

/// <summary>"--name value" flags of one benchmark run; unknown flags are an error, not ignored.</summary>
internal sealed class BenchFlags
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public BenchFlags(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --flag value, got '{args[i]}'");
            }
            _values[args[i][2..]] = args[++i];
        }
    }

    public string String(string name, string fallback)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name, fallback);
    }

    public int Int(string name, int fallback) =>
        int.Parse(String(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>Throws for flags that no accessor asked for (typos).</summary>
    public void CheckAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException("unknown flags: --" + string.Join(", --", unknown));
        }
    }
}
