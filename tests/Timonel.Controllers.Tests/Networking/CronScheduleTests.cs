using Timonel.Controllers.CronJobs;

namespace Timonel.Controllers.Tests.Networking;

/// <summary>Cron schedule parsing and next-time computation, on fixed instants (no clock involved).</summary>
public sealed class CronScheduleTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    private static CronExpression Parse(string text)
    {
        Assert.True(CronExpression.TryParse(text, out var e, out var error), error);
        return e!;
    }

    private static List<DateTimeOffset> Times(string schedule, DateTimeOffset from, int count, TimeZoneInfo? zone = null)
    {
        var expression = Parse(schedule);
        var result = new List<DateTimeOffset>();
        for (var t = from; result.Count < count;)
        {
            t = expression.Next(t, zone ?? TimeZoneInfo.Utc) ?? throw new InvalidOperationException("no next time");
            result.Add(t);
        }
        return result;
    }

    [Fact]
    public void Steps_ranges_and_lists_give_the_expected_times()
    {
        Assert.Equal([Utc(2026, 3, 1, 10, 15), Utc(2026, 3, 1, 10, 30), Utc(2026, 3, 1, 10, 45), Utc(2026, 3, 1, 11, 0)],
            Times("*/15 * * * *", Utc(2026, 3, 1, 10, 7), 4));
        // 9-17 on weekdays at :00 and :30; 2026-03-06 is a Friday.
        Assert.Equal([Utc(2026, 3, 6, 17, 0), Utc(2026, 3, 6, 17, 30), Utc(2026, 3, 9, 9, 0)],
            Times("0,30 9-17 * * mon-fri", Utc(2026, 3, 6, 16, 45), 3));
        // "5/20" is 5, 25, 45.
        Assert.Equal([Utc(2026, 1, 1, 0, 25), Utc(2026, 1, 1, 0, 45), Utc(2026, 1, 1, 1, 5)], Times("5/20 * * * *", Utc(2026, 1, 1, 0, 5), 3));
        // Month names, and the next time is strictly after the given one.
        Assert.Equal([Utc(2027, 2, 1, 0, 0)], Times("0 0 1 feb *", Utc(2026, 2, 1, 0, 0), 1));
    }

    [Fact]
    public void Descriptors_and_sunday_as_seven()
    {
        Assert.Equal([Utc(2026, 5, 4, 13, 0)], Times("@hourly", Utc(2026, 5, 4, 12, 0), 1));
        Assert.Equal([Utc(2026, 5, 5, 0, 0)], Times("@daily", Utc(2026, 5, 4, 12, 0), 1));
        Assert.Equal([Utc(2026, 6, 1, 0, 0)], Times("@monthly", Utc(2026, 5, 4, 12, 0), 1));
        Assert.Equal([Utc(2027, 1, 1, 0, 0)], Times("@yearly", Utc(2026, 5, 4, 12, 0), 1));
        // 2026-05-04 is a Monday; the next Sunday is the 10th.
        Assert.Equal([Utc(2026, 5, 10, 0, 0)], Times("@weekly", Utc(2026, 5, 4, 12, 0), 1));
        Assert.Equal([Utc(2026, 5, 10, 8, 0)], Times("0 8 * * 7", Utc(2026, 5, 4, 12, 0), 1));
        Assert.Equal([Utc(2026, 5, 4, 13, 30)], Times("@every 1h30m", Utc(2026, 5, 4, 12, 0), 1));
    }

    [Fact]
    public void Day_of_month_and_day_of_week_match_either_when_both_are_restricted()
    {
        // The 13th, or any Friday: 2026-02-06 is a Friday, then the 13th (also a Friday), then the 20th.
        Assert.Equal([Utc(2026, 2, 6, 0, 0), Utc(2026, 2, 13, 0, 0), Utc(2026, 2, 20, 0, 0)], Times("0 0 13 * fri", Utc(2026, 2, 1, 0, 0), 3));
        // With "*" as day of week only the 13th counts.
        Assert.Equal([Utc(2026, 2, 13, 0, 0), Utc(2026, 3, 13, 0, 0)], Times("0 0 13 * *", Utc(2026, 2, 1, 0, 0), 2));
        // February 30 never comes.
        Assert.Null(Parse("0 0 30 2 *").Next(Utc(2026, 1, 1, 0, 0), TimeZoneInfo.Utc));
    }

    [Fact]
    public void A_time_zone_moves_the_schedule_with_its_wall_clock()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer (DST began 2026-03-29).
        Assert.Equal([Utc(2026, 3, 28, 8, 0), Utc(2026, 3, 29, 7, 0)], Times("0 9 * * *", Utc(2026, 3, 28, 0, 0), 2, berlin));
        // 02:30 does not exist in Berlin on 2026-03-29: that day is skipped.
        Assert.Equal([Utc(2026, 3, 28, 1, 30), Utc(2026, 3, 30, 0, 30)], Times("30 2 * * *", Utc(2026, 3, 28, 0, 0), 2, berlin));
    }

    [Theory]
    [InlineData("* * * *")]
    [InlineData("60 * * * *")]
    [InlineData("* 24 * * *")]
    [InlineData("5-1 * * * *")]
    [InlineData("*/0 * * * *")]
    [InlineData("* * * foo *")]
    [InlineData("@fortnightly")]
    public void Malformed_schedules_are_errors(string schedule)
    {
        Assert.False(CronExpression.TryParse(schedule, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
