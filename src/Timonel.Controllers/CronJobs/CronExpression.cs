using System.Globalization;
using System.Text.RegularExpressions;

namespace Timonel.Controllers.CronJobs;

/// <summary>
/// A parsed CronJob schedule: five fields (minute hour day-of-month month day-of-week) with
/// lists, ranges, steps ("*/15", "5/10" = 5-max/10), month and weekday names, and the
/// descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and "@every 1h30m".
/// Days: when both day fields are restricted a day matches either; when one is "*", the other decides.
/// </summary>
public sealed partial class CronExpression
{
    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private readonly ulong _minutes, _hours, _daysOfMonth, _months, _daysOfWeek;
    private readonly bool _anyDayOfMonth, _anyDayOfWeek;
    private readonly TimeSpan? _every;

    private CronExpression(ulong minutes, ulong hours, ulong dom, ulong months, ulong dow, bool anyDom, bool anyDow)
    {
        (_minutes, _hours, _daysOfMonth, _months, _daysOfWeek, _anyDayOfMonth, _anyDayOfWeek) = (minutes, hours, dom, months, dow, anyDom, anyDow);
    }

    private CronExpression(TimeSpan every) => _every = every;

    /// <summary>Parses a schedule; a malformed one is an error value.</summary>
    public static bool TryParse(string text, out CronExpression? expression, out string? error)
    {
        expression = null;
        var trimmed = text.Trim();
        if (trimmed.StartsWith("@every ", StringComparison.Ordinal))
        {
            var every = ParseDuration(trimmed[7..].Trim());
            error = every is null ? $"failed to parse duration {trimmed}" : null;
            expression = every is { } d ? new CronExpression(d) : null;
            return expression is not null;
        }
        trimmed = trimmed switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => trimmed,
        };
        if (trimmed.StartsWith('@'))
        {
            error = $"unrecognized descriptor: {trimmed}";
            return false;
        }
        var fields = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            error = $"expected exactly 5 fields, found {fields.Length}: {trimmed}";
            return false;
        }
        var parsed = new (ulong Bits, bool Any)[5];
        (int Min, int Max, string[]? Names)[] bounds = [(0, 59, null), (0, 23, null), (1, 31, null), (1, 12, MonthNames), (0, 7, DayNames)];
        for (var i = 0; i < 5; i++)
        {
            if (ParseField(fields[i], bounds[i].Min, bounds[i].Max, bounds[i].Names, out parsed[i].Bits, out parsed[i].Any) is { } problem)
            {
                error = problem;
                return false;
            }
        }
        // Sunday may be written 7.
        var dow = parsed[4].Bits;
        if ((dow & (1UL << 7)) != 0)
        {
            dow = (dow & ~(1UL << 7)) | 1UL;
        }
        expression = new CronExpression(parsed[0].Bits, parsed[1].Bits, parsed[2].Bits, parsed[3].Bits, dow, parsed[2].Any, parsed[4].Any);
        error = null;
        return true;
    }

    /// <summary>The first scheduled time strictly after <paramref name="after"/>, in the zone's wall clock; null if none within five years.</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        if (_every is { } every)
        {
            var next = after + every;
            return next.AddTicks(-(next.Ticks % TimeSpan.TicksPerSecond));
        }
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var t = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0, DateTimeKind.Unspecified).AddMinutes(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!Has(_months, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
                continue;
            }
            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }
            if (!Has(_hours, t.Hour))
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }
            if (!Has(_minutes, t.Minute))
            {
                t = t.AddMinutes(1);
                continue;
            }
            if (zone.IsInvalidTime(t))
            {
                t = t.AddMinutes(1); // skipped by a daylight-saving jump
                continue;
            }
            return new DateTimeOffset(t, zone.GetUtcOffset(t));
        }
        return null;
    }

    private bool DayMatches(DateTime t)
    {
        var dom = Has(_daysOfMonth, t.Day);
        var dow = Has(_daysOfWeek, (int)t.DayOfWeek);
        return _anyDayOfMonth || _anyDayOfWeek ? dom && dow : dom || dow;
    }

    private static bool Has(ulong bits, int value) => (bits & (1UL << value)) != 0;

    private static string? ParseField(string field, int min, int max, string[]? names, out ulong bits, out bool any)
    {
        bits = 0;
        any = false;
        foreach (var part in field.Split(','))
        {
            var rangeAndStep = part.Split('/');
            if (rangeAndStep.Length > 2)
            {
                return $"too many slashes: {part}";
            }
            var step = 1;
            if (rangeAndStep.Length == 2 && (!int.TryParse(rangeAndStep[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0))
            {
                return $"failed to parse step: {part}";
            }
            int start, end;
            if (rangeAndStep[0] is "*" or "?")
            {
                (start, end) = (min, max);
                any |= step == 1;
            }
            else
            {
                var ends = rangeAndStep[0].Split('-');
                if (ends.Length > 2 || Value(ends[0], names) is not { } from || (ends.Length == 2 ? Value(ends[1], names) : from) is not { } to)
                {
                    return $"failed to parse: {part}";
                }
                // "N/step" means N through the maximum.
                (start, end) = (from, ends.Length == 1 && rangeAndStep.Length == 2 ? max : to);
            }
            if (start < min || end > max || start > end)
            {
                return $"out of range ({min}-{max}): {part}";
            }
            for (var v = start; v <= end; v += step)
            {
                bits |= 1UL << v;
            }
        }
        return null;
    }

    private static int? Value(string text, string[]? names)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }
        var index = names is null ? -1 : Array.IndexOf(names, text.ToLowerInvariant());
        return index < 0 ? null : index + (names == MonthNames ? 1 : 0);
    }

    private static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text);
        if (!match.Success || text.Length == 0)
        {
            return null;
        }
        var total = TimeSpan.Zero;
        foreach (Capture c in match.Groups["part"].Captures)
        {
            var unit = c.Value[^1];
            var number = double.Parse(c.Value[..^1], CultureInfo.InvariantCulture);
            total += unit switch { 'h' => TimeSpan.FromHours(number), 'm' => TimeSpan.FromMinutes(number), _ => TimeSpan.FromSeconds(number) };
        }
        return total > TimeSpan.Zero ? total : null;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[hms])+$")]
    private static partial Regex DurationPattern();
}
