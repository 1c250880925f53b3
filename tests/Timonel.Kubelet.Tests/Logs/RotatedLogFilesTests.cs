using System.IO.Compression;
using Timonel.Kubelet.Logs;

namespace Timonel.Kubelet.Tests.Logs;

/// <summary>The file steps of a rotation, on a temporary directory.</summary>
public sealed class RotatedLogFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rotated-logs-").FullName;

    private string Live => Path.Combine(_dir, "0.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Touch(string name, string text = "x")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private List<string> Names() => Directory.EnumerateFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    [Fact]
    public void Lists_only_the_rotated_files_of_this_log_oldest_first()
    {
        Touch("0.log");
        Touch("0.log.20260102-030405.gz");
        Touch("0.log.20260101-000000.gz");
        Touch("0.log.20260103-000000");
        Touch("1.log");
        Touch("1.log.20260101-000000");

        Assert.Equal(["0.log.20260101-000000.gz", "0.log.20260102-030405.gz", "0.log.20260103-000000"],
            RotatedLogFiles.List(Live).Select(Path.GetFileName));
    }

    [Fact]
    public void Leftovers_of_an_interrupted_rotation_are_removed()
    {
        Touch("0.log");
        Touch("0.log.20260101-000000");
        Touch("0.log.20260101-000000.gz");
        Touch("0.log.20260102-000000.tmp");
        Touch("0.log.20260103-000000");

        var inUse = RotatedLogFiles.RemoveLeftovers(RotatedLogFiles.List(Live));

        Assert.Equal(["0.log.20260101-000000.gz", "0.log.20260103-000000"], inUse.Select(Path.GetFileName));
        Assert.Equal(["0.log", "0.log.20260101-000000.gz", "0.log.20260103-000000"], Names());
    }

    [Fact]
    public void The_oldest_files_go_first_until_the_wanted_number_is_left()
    {
        var files = new[] { "0.log.20260101-000000.gz", "0.log.20260102-000000.gz", "0.log.20260103-000000" }.Select(n => Touch(n)).ToList();

        var kept = RotatedLogFiles.RemoveOldest(files, 1);

        Assert.Equal(["0.log.20260103-000000"], kept.Select(Path.GetFileName));
        Assert.Equal(["0.log.20260103-000000"], Names());
        Assert.Empty(RotatedLogFiles.RemoveOldest(kept, 0));
    }

    [Fact]
    public async Task Compression_leaves_only_a_gzip_file_with_the_same_content()
    {
        var file = Touch("0.log.20260101-000000", "2026-01-01T00:00:00.000000000Z stdout F hello\n");

        await RotatedLogFiles.CompressAsync(file, CancellationToken.None);

        Assert.Equal(["0.log.20260101-000000.gz"], Names());
        await using var gzip = new GZipStream(File.OpenRead(file + ".gz"), CompressionMode.Decompress);
        Assert.Equal("2026-01-01T00:00:00.000000000Z stdout F hello\n", await new StreamReader(gzip).ReadToEndAsync());
    }

    [Fact]
    public void The_live_file_is_renamed_with_the_UTC_second_and_never_over_an_earlier_rotation()
    {
        Touch("0.log", "first");
        var at = new DateTimeOffset(2026, 11, 28, 5, 6, 7, TimeSpan.FromHours(2));

        Assert.Equal(Path.Combine(_dir, "0.log.20261128-030607"), RotatedLogFiles.RenameLive(Live, at));
        Touch("0.log", "second");
        Assert.Null(RotatedLogFiles.RenameLive(Live, at.AddMilliseconds(500)));

        Assert.Equal("second", File.ReadAllText(Live));
        Assert.Equal("first", File.ReadAllText(Path.Combine(_dir, "0.log.20261128-030607")));
    }
}
