// RFC 6901 JSON pointers: "" is the whole document, "/a/0/b~1c" walks a, index 0, "b/c".
using System.Text;

namespace Timonel.Api.Patching;

internal static class JsonPointer
{
    /// <summary>Splits a pointer into unescaped reference tokens; null with an error when malformed.</summary>
    public static IReadOnlyList<string>? Parse(string pointer, out string error)
    {
        error = "";
        if (pointer.Length == 0)
        {
            return [];
        }
        if (pointer[0] != '/')
        {
            error = $"JSON pointer \"{pointer}\" must be empty or start with '/'";
            return null;
        }
        var tokens = new List<string>();
        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = Unescape(raw);
            if (token is null)
            {
                error = $"JSON pointer \"{pointer}\" has '~' not followed by '0' or '1'";
                return null;
            }
            tokens.Add(token);
        }
        return tokens;
    }

    // "~1" must be decoded before "~0", else "~01" would wrongly become "/" (RFC 6901 section 4).
    private static string? Unescape(string raw)
    {
        if (!raw.Contains('~', StringComparison.Ordinal))
        {
            return raw;
        }
        var text = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '~')
            {
                text.Append(raw[i]);
                continue;
            }
            if (i + 1 >= raw.Length || (raw[i + 1] != '0' && raw[i + 1] != '1'))
            {
                return null;
            }
            text.Append(raw[i + 1] == '0' ? '~' : '/');
            i++;
        }
        return text.ToString();
    }

    /// <summary>An array index token: "0" or digits without a leading zero.</summary>
    public static bool TryParseIndex(string token, out int index)
    {
        index = -1;
        if (token.Length == 0 || token.Length > 9 || (token.Length > 1 && token[0] == '0'))
        {
            return false;
        }
        foreach (var c in token)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        index = int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }
}
