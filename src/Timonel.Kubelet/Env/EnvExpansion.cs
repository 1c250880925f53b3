using System.Text;

namespace Timonel.Kubelet.Env;

/// <summary>
/// The kubelet's <c>$(VAR)</c> expansion (used for env values, command, args and subPathExpr):
/// <c>$(NAME)</c> becomes the variable's value when it is known and stays verbatim when it is not;
/// <c>$$</c> is an escaped <c>$</c> (so <c>$$(NAME)</c> gives the literal <c>$(NAME)</c>); any other
/// <c>$</c>, a trailing <c>$</c> and an unterminated <c>$(</c> are kept as written.
/// </summary>
public static class EnvExpansion
{
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }
        var output = new StringBuilder(input.Length);
        var i = 0;
        while (i < input.Length)
        {
            var c = input[i];
            if (c != '$' || i + 1 == input.Length)
            {
                output.Append(c);
                i++;
                continue;
            }
            var next = input[i + 1];
            if (next == '$')
            {
                output.Append('$');
                i += 2;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and >= 0)
            {
                var name = input[(i + 2)..close];
                output.Append(lookup(name) ?? "$(" + name + ")");
                i = close + 1;
            }
            else
            {
                // "$x" or an unterminated "$(": both characters are kept, scanning resumes after them.
                output.Append('$').Append(next);
                i += 2;
            }
        }
        return output.ToString();
    }

    /// <summary>Expansion against a set of variables (later entries of <paramref name="vars"/> are not special: a dictionary).</summary>
    public static string Expand(string input, IReadOnlyDictionary<string, string> vars) =>
        Expand(input, name => vars.TryGetValue(name, out var v) ? v : null);
}
