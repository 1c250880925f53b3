using System.Globalization;
using System.Text;
using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Pods;

public sealed class TerminationMessagesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("term-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Each_instance_gets_an_empty_world_writable_file_at_its_termination_message_path()
    {
        var container = new V1Container { Name = "app", Image = "i" };
        var first = TerminationMessages.Prepare(_dir, container, 0);
        Assert.Equal("/dev/termination-log", first.ContainerPath);
        Assert.False(first.ReadOnly);
        Assert.Equal(0, new FileInfo(first.HostPath).Length);
        Assert.Equal((UnixFileMode)0b110_110_110, File.GetUnixFileMode(first.HostPath));

        container.TerminationMessagePath = "/tmp/why";
        var second = TerminationMessages.Prepare(_dir, container, 1);
        Assert.Equal("/tmp/why", second.ContainerPath);
        Assert.NotEqual(first.HostPath, second.HostPath);
    }

    [Fact]
    public void Log_tail_is_the_content_of_the_last_80_lines_with_partial_lines_joined()
    {
        var log = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            log.Append(CultureInfo.InvariantCulture, $"2026-01-01T00:00:00.000000000Z stdout F line {i}\n");
        }
        log.Append("2026-01-01T00:00:01.000000000Z stderr P half \n");
        log.Append("2026-01-01T00:00:01.000000001Z stderr F and half\n");
        var path = Path.Combine(_dir, "0.log");
        File.WriteAllText(path, log.ToString());

        var lines = TerminationMessages.LogTail(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(80, lines.Length);
        Assert.Equal("line 21", lines[0]);
        Assert.Equal("half and half", lines[^1]);
    }

    [Fact]
    public void Log_tail_is_cut_at_2048_bytes_and_a_missing_log_is_empty()
    {
        var path = Path.Combine(_dir, "1.log");
        File.WriteAllText(path, string.Concat(Enumerable.Range(0, 10).Select(i => $"2026-01-01T00:00:00Z stdout F {new string((char)('a' + i), 500)}\n")));
        var tail = TerminationMessages.LogTail(path);
        Assert.Equal(2048, Encoding.UTF8.GetByteCount(tail));
        Assert.StartsWith(new string('a', 500) + "\n", tail, StringComparison.Ordinal);
        Assert.Equal("", TerminationMessages.LogTail(Path.Combine(_dir, "absent.log")));
    }
}
