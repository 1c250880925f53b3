using System.Text;
using Timonel.Client.Api;

namespace Timonel.Client.Tests;

public sealed class Utf8LineReaderTests
{
    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], ct);
    }

    private static async Task<List<string>> ReadAllAsync(string text, int chunk)
    {
        var reader = new Utf8LineReader(new TrickleStream(Encoding.UTF8.GetBytes(text), chunk));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(Encoding.UTF8.GetString(line.Span));
        }
        return lines;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public async Task SplitsLinesAcrossReadsKeepingEmptyOnesAndTheLastWithoutNewline(int chunk)
    {
        var lines = await ReadAllAsync("{\"a\":1}\r\n\n{\"b\":\"é\"}\nlast", chunk);
        Assert.Equal(["{\"a\":1}", "", "{\"b\":\"é\"}", "last"], lines);
    }

    [Fact]
    public async Task ReadsLinesLongerThanItsBuffer()
    {
        var big = new string('x', 100_000);
        var lines = await ReadAllAsync($"short\n{big}\n{big}y\nend\n", 4096);
        Assert.Equal(["short", big, big + "y", "end"], lines);
    }

    [Fact]
    public async Task EmptyStreamHasNoLines() => Assert.Empty(await ReadAllAsync("", 10));
}
