using System.Text;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests;

public sealed class AtomicWriterTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static Dictionary<string, FileProjection> Payload(params (string Path, string Text, int Mode)[] files) =>
        files.ToDictionary(f => f.Path, f => new FileProjection(Encoding.UTF8.GetBytes(f.Text), f.Mode));

    [Fact]
    public void Files_are_links_into_a_timestamped_data_dir()
    {
        var dir = Path.Combine(_tmp.Path, "vol");
        Assert.True(AtomicWriter.Write(dir, Payload(("a.txt", "A", 420), ("conf/b.txt", "B", 256)), TimeProvider.System));

        var data = new FileInfo(Path.Combine(dir, "..data")).LinkTarget;
        Assert.Matches(@"^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d{9}$", data);
        Assert.Equal("..data/a.txt", new FileInfo(Path.Combine(dir, "a.txt")).LinkTarget);
        Assert.Equal("..data/conf", new FileInfo(Path.Combine(dir, "conf")).LinkTarget);
        Assert.Equal("A", File.ReadAllText(Path.Combine(dir, "a.txt")));
        Assert.Equal("B", File.ReadAllText(Path.Combine(dir, "conf/b.txt")));
        Assert.Equal((UnixFileMode)420, File.GetUnixFileMode(Path.Combine(dir, data!, "a.txt")));
        Assert.Equal((UnixFileMode)256, File.GetUnixFileMode(Path.Combine(dir, data!, "conf/b.txt")));
    }

    [Fact]
    public void An_update_swaps_data_and_removes_what_is_gone()
    {
        var dir = Path.Combine(_tmp.Path, "vol");
        AtomicWriter.Write(dir, Payload(("a", "1", 420), ("old", "x", 420)), TimeProvider.System);
        var first = new FileInfo(Path.Combine(dir, "..data")).LinkTarget!;
        // A reader holding the directory open (as a container's bind mount does) sees the new file.
        Assert.True(AtomicWriter.Write(dir, Payload(("a", "2", 420), ("new", "y", 420)), TimeProvider.System));
        var second = new FileInfo(Path.Combine(dir, "..data")).LinkTarget!;

        Assert.NotEqual(first, second);
        Assert.False(Directory.Exists(Path.Combine(dir, first)));
        Assert.Equal("2", File.ReadAllText(Path.Combine(dir, "a")));
        Assert.Equal("y", File.ReadAllText(Path.Combine(dir, "new")));
        Assert.False(Path.Exists(Path.Combine(dir, "old")));
        Assert.Equal(new[] { "..data", second, "a", "new" }.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_unchanged_payload_writes_nothing()
    {
        var dir = Path.Combine(_tmp.Path, "vol");
        AtomicWriter.Write(dir, Payload(("a", "1", 420)), TimeProvider.System);
        var first = new FileInfo(Path.Combine(dir, "..data")).LinkTarget;
        Assert.False(AtomicWriter.Write(dir, Payload(("a", "1", 420)), TimeProvider.System));
        Assert.Equal(first, new FileInfo(Path.Combine(dir, "..data")).LinkTarget);
        // A mode change alone is a change.
        Assert.True(AtomicWriter.Write(dir, Payload(("a", "1", 256)), TimeProvider.System));
    }

    [Theory]
    [InlineData("/abs")]
    [InlineData("../up")]
    [InlineData("a/../../b")]
    [InlineData("..hidden")]
    public void Bad_paths_are_refused(string path) => Assert.NotNull(AtomicWriter.Validate([path]));
}
