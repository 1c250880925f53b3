using System.Text;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.Tests.Streaming;

/// <summary>The CRI log format and what a log request makes of it (no containerd needed).</summary>
public sealed class CriLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-crilog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Records_parse_time_stream_tag_and_text()
    {
        var full = CriLogRecord.Parse(Encoding.UTF8.GetBytes("2026-11-27T19:00:01.123456789Z stdout F hello world"))!.Value;
        Assert.Equal("2026-11-27T19:00:01.123456789Z", full.Timestamp);
        Assert.Equal("stdout", full.Stream);
        Assert.False(full.Partial);
        Assert.Equal("hello world", Encoding.UTF8.GetString(full.Text.Span));
        // .NET keeps 100 ns ticks: the ninth digit rounds.
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 19, 0, 1, TimeSpan.Zero).AddTicks(1234567), full.Time, TimeSpan.FromTicks(1));

        var partial = CriLogRecord.Parse(Encoding.UTF8.GetBytes("2026-11-27T19:00:01+01:00 stderr P a b "))!.Value;
        Assert.True(partial.Partial);
        Assert.Equal("stderr", partial.Stream);
        Assert.Equal("a b ", Encoding.UTF8.GetString(partial.Text.Span));

        var empty = CriLogRecord.Parse(Encoding.UTF8.GetBytes("2026-11-27T19:00:01Z stdout F"))!.Value;
        Assert.Equal(0, empty.Text.Length);

        Assert.Null(CriLogRecord.Parse(Encoding.UTF8.GetBytes("not a log line")));
        Assert.Null(CriLogRecord.Parse(Encoding.UTF8.GetBytes("2026-11-27T19:00:01Z stdin F x")));
        Assert.Null(CriLogRecord.Parse(Encoding.UTF8.GetBytes("2026-11-27T19:00:01Z stdout X x")));
    }

    [Fact]
    public void Partial_records_join_per_stream_across_chunks()
    {
        var file = "2026-11-27T19:00:01Z stdout P one-\n" +
                   "2026-11-27T19:00:02Z stderr F err\n" +
                   "2026-11-27T19:00:03Z stdout P two-\n" +
                   "2026-11-27T19:00:04Z stdout F three\n";
        var bytes = Encoding.UTF8.GetBytes(file);
        var assembler = new LogLineAssembler();
        var lines = new List<LogLine>();
        // Fed a few bytes at a time, split mid-record.
        for (var i = 0; i < bytes.Length; i += 7) assembler.Feed(bytes.AsSpan(i, Math.Min(7, bytes.Length - i)), lines);
        Assert.Equal(["err\n", "one-two-three\n"], lines.Select(l => Encoding.UTF8.GetString(l.Content)));
        Assert.Equal("2026-11-27T19:00:01Z", lines[1].Timestamp);
    }

    [Fact]
    public async Task Tail_since_timestamps_and_limit_apply_as_kubectl_expects()
    {
        var path = await WriteLogAsync(
            "2026-11-27T19:00:01Z stdout F a1",
            "2026-11-27T19:00:02Z stdout P a2-",
            "2026-11-27T19:00:03Z stdout F joined",
            "2026-11-27T19:00:04Z stderr F e4",
            "2026-11-27T19:00:05Z stdout F a5");
        Assert.Equal("a1\na2-joined\ne4\na5\n", await ReadAsync(path, new LogOptions()));
        Assert.Equal("e4\na5\n", await ReadAsync(path, new LogOptions(TailLines: 2)));
        Assert.Equal("", await ReadAsync(path, new LogOptions(TailLines: 0)));
        Assert.Equal("e4\na5\n", await ReadAsync(path, new LogOptions(Since: DateTimeOffset.Parse("2026-11-27T19:00:04Z"))));
        Assert.Equal("2026-11-27T19:00:05Z a5\n", await ReadAsync(path, new LogOptions(TailLines: 1, Timestamps: true)));
        Assert.Equal("a1\na2", await ReadAsync(path, new LogOptions(LimitBytes: 5)));
    }

    [Fact]
    public async Task Tail_of_a_large_file_starts_near_its_end()
    {
        // 20,000 lines (over a megabyte), the last one split in three partial records.
        var records = Enumerable.Range(0, 20_000).Select(i => $"2026-11-27T19:00:00.{i:D9}Z stdout F line-{i:D5} {new string('x', 40)}").ToList();
        records.AddRange(["2026-11-27T19:00:01Z stdout P split-", "2026-11-27T19:00:01Z stderr F interleaved", "2026-11-27T19:00:01Z stdout P in-", "2026-11-27T19:00:01Z stdout F three"]);
        var path = await WriteLogAsync([.. records]);
        await File.AppendAllTextAsync(path, "2026-11-27T19:00:02Z stdout F not yet ended"); // no newline: still being written

        await using (var file = File.OpenRead(path))
        {
            var offset = await TailOffset.FindAsync(file, 3, CancellationToken.None);
            Assert.InRange(offset, file.Length - 1_000, file.Length);
            Assert.Equal(0, await TailOffset.FindAsync(file, 1_000_000, CancellationToken.None));
        }
        var x = new string('x', 40);
        Assert.Equal($"line-19999 {x}\ninterleaved\nsplit-in-three\n", await ReadAsync(path, new LogOptions(TailLines: 3)));
        Assert.Equal("", await ReadAsync(path, new LogOptions(TailLines: 0)));
        Assert.Equal(20_002, (await ReadAsync(path, new LogOptions(TailLines: 1_000_000))).Count(c => c == '\n'));
    }

    [Fact]
    public async Task Follow_reads_what_is_appended_and_ends_once_the_container_stopped()
    {
        var path = await WriteLogAsync("2026-11-27T19:00:01Z stdout F first");
        var reader = new ContainerLogReader(TimeProvider.System) { PollInterval = TimeSpan.FromMilliseconds(10), RunningCheckInterval = TimeSpan.Zero };
        var output = new NotifyingStream();
        var running = true;
        var follow = reader.WriteAsync(path, new LogOptions(Follow: true), output, _ => Task.FromResult(running), CancellationToken.None);

        await output.WaitForAsync("first\n");
        // A record written in two pieces, then a partial line finished by the next record.
        await File.AppendAllTextAsync(path, "2026-11-27T19:00:02Z stdout P sec");
        await File.AppendAllTextAsync(path, "ond-\n2026-11-27T19:00:03Z stdout F third\n");
        await output.WaitForAsync("first\nsecond-third\n");
        Assert.False(follow.IsCompleted);

        // The container ends with a last line: it is still given, then the stream ends.
        await File.AppendAllTextAsync(path, "2026-11-27T19:00:04Z stdout F last\n");
        running = false;
        await follow;
        Assert.Equal("first\nsecond-third\nlast\n", output.Text);
    }

    [Fact]
    public void Query_parameters_are_read_and_checked()
    {
        var now = DateTimeOffset.Parse("2026-11-27T19:00:00Z");
        var query = new Dictionary<string, string> { ["follow"] = "true", ["tailLines"] = "10", ["sinceSeconds"] = "60", ["timestamps"] = "true", ["previous"] = "false" };
        var (options, error) = LogOptions.FromQuery(query.GetValueOrDefault, now);
        Assert.Null(error);
        Assert.Equal(new LogOptions(Follow: true, TailLines: 10, Since: now.AddSeconds(-60), Timestamps: true), options);

        Assert.NotNull(LogOptions.FromQuery(new Dictionary<string, string> { ["sinceSeconds"] = "1", ["sinceTime"] = "2026-11-27T19:00:00Z" }.GetValueOrDefault, now).Error);
        Assert.NotNull(LogOptions.FromQuery(new Dictionary<string, string> { ["limitBytes"] = "0" }.GetValueOrDefault, now).Error);
        Assert.NotNull(LogOptions.FromQuery(new Dictionary<string, string> { ["tailLines"] = "x" }.GetValueOrDefault, now).Error);
    }

    private async Task<string> WriteLogAsync(params string[] records)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".log");
        await File.WriteAllTextAsync(path, string.Concat(records.Select(r => r + "\n")));
        return path;
    }

    private static async Task<string> ReadAsync(string path, LogOptions options)
    {
        using var output = new MemoryStream();
        await new ContainerLogReader(TimeProvider.System).WriteAsync(path, options, output, _ => Task.FromResult(false), CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>A memory stream whose content can be awaited, as a client reading a follow would.</summary>
    private sealed class NotifyingStream : MemoryStream
    {
        private readonly SemaphoreSlim _written = new(0);

        public string Text
        {
            get
            {
                lock (this) return Encoding.UTF8.GetString(ToArray());
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (this) base.Write(buffer, offset, count);
            _written.Release();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        public async Task WaitForAsync(string expected)
        {
            while (Text != expected)
            {
                Assert.StartsWith(Text, expected, StringComparison.Ordinal);
                await _written.WaitAsync();
            }
        }
    }
}
