namespace Timonel.Api.Strategies;

/// <summary>
/// The standard five-field cron syntax (minute hour day-of-month month day-of-week) with
/// ranges, lists, steps, names and the @-descriptors, as CronJob schedules use it.
/// </summary>
public static class CronSchedule
{
    private static readonly string[] Descriptors = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    /// <summary>Null when the schedule parses; otherwise what is wrong.</summary>
    public static string? Check(string schedule)
    {
        var trimmed = schedule.Trim();
        if (trimmed.StartsWith('@'))
        {
            if (Descriptors.Contains(trimmed) || trimmed.StartsWith("@every ", StringComparison.Ordinal)) return null;
            return $"unrecognized descriptor: {trimmed}";
        }
        var fields = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return $"expected exactly 5 fields, found {fields.Length}: [{string.Join(" ", fields)}]";
        }
        (int Min, int Max, string[]? Names)[] bounds = [(0, 59, null), (0, 23, null), (1, 31, null), (1, 12, Months), (0, 7, Days)];
        for (var i = 0; i < 5; i++)
        {
            if (Field(fields[i], bounds[i].Min, bounds[i].Max, bounds[i].Names) is { } problem) return problem;
        }
        return null;
    }

    private static string? Field(string field, int min, int max, string[]? names)
    {
        foreach (var part in field.Split(','))
        {
            var rangeAndStep = part.Split('/');
            if (rangeAndStep.Length > 2) return $"too many slashes: {part}";
            if (rangeAndStep.Length == 2 && (!int.TryParse(rangeAndStep[1], out var step) || step <= 0))
            {
                return $"failed to parse int from {rangeAndStep[1]}";
            }
            if (rangeAndStep[0] is "*" or "?") continue;
            var ends = rangeAndStep[0].Split('-');
            if (ends.Length > 2) return $"too many hyphens: {rangeAndStep[0]}";
            var values = new List<int>();
            foreach (var end in ends)
            {
                if (Value(end, names) is not { } v) return $"failed to parse int from {end}";
                if (v < min) return $"beginning of range ({v}) below minimum ({min}): {part}";
                if (v > max) return $"end of range ({v}) above maximum ({max}): {part}";
                values.Add(v);
            }
            if (values.Count == 2 && values[0] > values[1]) return $"beginning of range ({values[0]}) beyond end of range ({values[1]}): {part}";
        }
        return null;
    }

    private static int? Value(string text, string[]? names)
    {
        if (int.TryParse(text, out var n) && n >= 0) return n;
        var index = names is null ? -1 : Array.IndexOf(names, text.ToLowerInvariant());
        return index < 0 ? null : index + (names == Months ? 1 : 0);
    }
}
