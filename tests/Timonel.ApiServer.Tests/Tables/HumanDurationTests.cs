using Timonel.ApiServer.Tables;

namespace Timonel.ApiServer.Tests.Tables;

public class HumanDurationTests
{
    [Theory]
    [InlineData(-3, "<invalid>")]
    [InlineData(-1.5, "0s")]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(330, "5m30s")]
    [InlineData(600, "10m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 20 * 60, "3h20m")]
    [InlineData(8 * 3600 + 59 * 60, "8h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(3 * 86400 + 4 * 3600, "3d4h")]
    [InlineData(5 * 86400, "5d")]
    [InlineData(8 * 86400 + 5 * 3600, "8d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(830 * 86400, "2y100d")]
    [InlineData(3000 * 86400, "8y")]
    public void HumanDuration_matches_upstream(double seconds, string expected) =>
        Assert.Equal(expected, Printers.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(-2, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(59, "59s")]
    [InlineData(60, "1m")]
    [InlineData(3599, "59m")]
    [InlineData(7200, "2h")]
    [InlineData(86400 * 3 + 5, "3d")]
    [InlineData(86400 * 400, "1y")]
    public void ShortHumanDuration_matches_upstream(double seconds, string expected) =>
        Assert.Equal(expected, Printers.ShortHumanDuration(TimeSpan.FromSeconds(seconds)));
}
