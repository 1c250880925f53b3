namespace Timonel.Commands;

/// <summary>A command-line flag that is missing, unknown or malformed.</summary>
internal sealed class FlagException(string message) : Exception(message);

/// <summary>
/// k3s-style flags: `--name value`, `--name=value` and bare boolean `--name`.
/// Every flag must be read by the command; <see cref="EnsureAllUsed"/> rejects the rest by name.
/// </summary>
internal sealed class Flags
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static Flags Parse(IReadOnlyList<string> args)
    {
        var flags = new Flags();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                flags.Positional.Add(arg);
                continue;
            }
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                flags._values[arg[2..eq]] = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                flags._values[arg[2..]] = args[++i];
            }
            else
            {
                flags._values[arg[2..]] = null;
            }
        }
        return flags;
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v ?? throw new FlagException($"flag --{name} needs a value") : null;
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public int Int(string name, int fallback)
    {
        var s = String(name);
        if (s is null)
        {
            return fallback;
        }
        return int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FlagException($"flag --{name}: \"{s}\" is not a whole number");
    }

    public bool Bool(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var v))
        {
            return false;
        }
        return v is null || v.Equals("true", StringComparison.OrdinalIgnoreCase);
    }

    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new FlagException($"unknown flag --{unknown[0]}");
        }
    }
}
