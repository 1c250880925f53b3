namespace Timonel.Api.Selectors;

/// <summary>Parses the string form of label selectors, as `kubectl -l` sends them.</summary>
internal static class LabelSelectorParser
{
    public static bool TryParse(string? text, out LabelSelector selector, out string? error)
    {
        selector = LabelSelector.Everything;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        var reqs = new List<LabelRequirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var p = part.Trim();
            if (p.Length == 0)
            {
                error = $"unable to parse requirement: empty requirement in \"{text}\"";
                return false;
            }
            if (!TryParseRequirement(p, out var req))
            {
                error = $"unable to parse requirement: \"{p}\"";
                return false;
            }
            reqs.Add(req);
        }
        selector = LabelSelector.Of(reqs);
        return true;
    }

    private static bool TryParseRequirement(string p, out LabelRequirement req)
    {
        req = null!;
        if (p.StartsWith('!'))
        {
            var key = p[1..].Trim();
            req = new(key, SelectorOperator.DoesNotExist, []);
            return ValidKey(key);
        }
        foreach (var (token, op) in new[] { ("!=", SelectorOperator.NotEquals), ("==", SelectorOperator.Equals), ("=", SelectorOperator.Equals) })
        {
            var i = p.IndexOf(token, StringComparison.Ordinal);
            if (i > 0)
            {
                var key = p[..i].Trim();
                var value = p[(i + token.Length)..].Trim();
                req = new(key, op, [value]);
                return ValidKey(key) && !value.Contains(' ', StringComparison.Ordinal);
            }
        }
        var words = p.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 1)
        {
            req = new(words[0], SelectorOperator.Exists, []);
            return ValidKey(words[0]);
        }
        var rest = words[1];
        SelectorOperator setOp;
        if (rest.StartsWith("notin", StringComparison.Ordinal)) { setOp = SelectorOperator.NotIn; rest = rest[5..]; }
        else if (rest.StartsWith("in", StringComparison.Ordinal)) { setOp = SelectorOperator.In; rest = rest[2..]; }
        else return false;
        rest = rest.Trim();
        if (!rest.StartsWith('(') || !rest.EndsWith(')'))
        {
            return false;
        }
        var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries).Where(v => v.Length > 0).ToList();
        req = new(words[0], setOp, values);
        return ValidKey(words[0]) && (values.Count > 0 || setOp == SelectorOperator.NotIn);
    }

    private static bool ValidKey(string key) => key.Length > 0 && !key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or ',' or '=' or '!');

    /// <summary>Splits on commas that are not inside parentheses.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }
}
