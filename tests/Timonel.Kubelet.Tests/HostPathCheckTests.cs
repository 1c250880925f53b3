using System.Net.Sockets;
using Timonel.Kubelet.Volumes;

namespace Timonel.Kubelet.Tests;

public sealed class HostPathCheckTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string P(string name) => Path.Combine(_tmp.Path, name);

    [Fact]
    public void Types_match_what_is_on_disk()
    {
        Directory.CreateDirectory(P("dir"));
        File.WriteAllText(P("file"), "x");
        File.CreateSymbolicLink(P("link-to-dir"), P("dir"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(P("sock")));

        Assert.Null(HostPathCheck.Check(P("dir"), "Directory"));
        Assert.Null(HostPathCheck.Check(P("link-to-dir"), "Directory"));
        Assert.Null(HostPathCheck.Check(P("file"), "File"));
        Assert.Null(HostPathCheck.Check(P("sock"), "Socket"));
        Assert.Null(HostPathCheck.Check("/dev/null", "CharDevice"));
        Assert.Null(HostPathCheck.Check(P("missing"), null));
        Assert.Null(HostPathCheck.Check(P("missing"), ""));

        Assert.Equal($"hostPath type check failed: {P("file")} is not a directory, it's a File", HostPathCheck.Check(P("file"), "Directory"));
        Assert.Equal($"hostPath type check failed: {P("dir")} is not a file, it's a Directory", HostPathCheck.Check(P("dir"), "File"));
        Assert.Equal($"hostPath type check failed: {P("file")} is not a socket file, it's a File", HostPathCheck.Check(P("file"), "Socket"));
        Assert.Equal($"hostPath type check failed: /dev/null is not a block device, it's a CharDevice", HostPathCheck.Check("/dev/null", "BlockDevice"));
        Assert.Equal($"hostPath {P("missing")} doesn't exist", HostPathCheck.Check(P("missing"), "Directory"));
        Assert.Equal("Dir is an invalid volume type", HostPathCheck.Check(P("dir"), "Dir"));
    }

    [Fact]
    public void OrCreate_types_create_what_is_missing()
    {
        Assert.Null(HostPathCheck.Check(P("new/deep/dir"), "DirectoryOrCreate"));
        Assert.True(Directory.Exists(P("new/deep/dir")));
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(P("new/deep/dir")) & (UnixFileMode)0x1FF);

        Assert.Null(HostPathCheck.Check(P("new/file"), "FileOrCreate"));
        Assert.True(File.Exists(P("new/file")));
        Assert.Equal(0, new FileInfo(P("new/file")).Length);

        // An existing path of the other type fails the check instead of being replaced.
        Assert.NotNull(HostPathCheck.Check(P("new/file"), "DirectoryOrCreate"));
        Assert.NotNull(HostPathCheck.Check(P("new/deep"), "FileOrCreate"));
    }
}
