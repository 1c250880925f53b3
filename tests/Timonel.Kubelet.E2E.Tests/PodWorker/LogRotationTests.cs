using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Kubelet.Cri.V1;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Logs;
using Timonel.Kubelet.Streaming;

namespace Timonel.Kubelet.E2E.Tests.PodWorker;

/// <summary>
/// Container log rotation on a real containerd + runc: a container writes numbered lines fast, the
/// rotation (max size 32 KiB, 3 files, every second) renames, reopens through CRI, gzips and
/// deletes; the files on disk and what the log reader (behind <c>kubectl logs</c>) returns are
/// checked by the line numbers, which must run on without a gap or a repeat.
/// </summary>
public sealed partial class LogRotationTests(PodWorkerNode fixture) : IClassFixture<PodWorkerNode>
{
    private const int MaxFiles = 3;

    private ApiConnection Api => fixture.Api;

    [Fact]
    public async Task Logs_are_rotated_compressed_and_pruned_while_tail_and_follow_keep_returning_the_newest_lines()
    {
        var spec = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "chatty", NamespaceProperty = "default" },
            Spec = new V1PodSpec
            {
                NodeName = fixture.NodeName,
                TerminationGracePeriodSeconds = 2,
                Containers =
                [
                    new V1Container
                    {
                        Name = "writer",
                        Image = ProjectImages.Busybox,
                        ImagePullPolicy = "Never",
                        Command = ["sh", "-c", "pad=$(printf '%0900d' 0); i=0; while true; do i=$((i+1)); echo \"line $i $pad\"; sleep 0.01; done"],
                    },
                ],
            },
        };
        (await Api.CreateAsync(spec)).Require();
        var location = await Run.UntilAsync(() => Task.FromResult(fixture.Workers.Find("default", "chatty", "writer", previous: false) is { } found
            && File.Exists(found.LogPath) ? found : null), "the writer to run", 60, () => Task.FromResult(fixture.Log));
        var live = location.LogPath;
        var reader = new ContainerLogReader(TimeProvider.System);
        async Task<bool> IsRunning(CancellationToken ct) =>
            (await fixture.Node.Cri.ContainerStatusAsync(location.ContainerId, cancellationToken: ct)).Value?.Status.State == ContainerState.ContainerRunning;

        // A follow that starts before the first rotation.
        using var stopFollow = new CancellationTokenSource();
        var followed = new CollectingStream();
        var follow = reader.WriteAsync(live, new LogOptions(Follow: true, TailLines: 0), followed, IsRunning, stopFollow.Token);
        using var stopRotation = new CancellationTokenSource();
        var rotation = new ContainerLogRotation(fixture.Node.Cri, new ContainerLogRotationOptions
        {
            MaxSize = 32 * 1024,
            MaxFiles = MaxFiles,
            MonitorInterval = TimeSpan.FromSeconds(1),
        }).RunAsync(stopRotation.Token);
        try
        {
            // Enough rotations that the first file was compressed and then deleted: line 1 is in no file any more.
            await Run.UntilAsync(async () =>
            {
                var gz = Rotated(live).FirstOrDefault(f => f.EndsWith(".gz", StringComparison.Ordinal));
                return gz is not null && Numbers(await ReadAsync(gz)) is [> 1, ..] ? gz : null;
            }, "the oldest rotated log to be deleted", 60, () => Task.FromResult(string.Join(", ", Rotated(live).Select(Path.GetFileName)) + "\n" + fixture.Log));
        }
        finally
        {
            await stopRotation.CancelAsync();
            await rotation;
        }

        // On disk: the live file, the newest rotated one plain, older ones gzipped, MaxFiles in all.
        var rotated = Rotated(live);
        Assert.All(rotated, f => Assert.Matches(RotatedName(), Path.GetFileName(f)[(Path.GetFileName(live).Length + 1)..]));
        Assert.True(rotated.Count + 1 <= MaxFiles, string.Join(", ", rotated));
        var plain = Assert.Single(rotated, f => !f.EndsWith(".gz", StringComparison.Ordinal));
        Assert.Equal(plain, rotated[^1]);
        Assert.Contains(rotated, f => f.EndsWith(".gz", StringComparison.Ordinal));
        // Each file holds a run of lines, and the runs join up: nothing was lost between rename and reopen.
        var runs = new List<int[]>();
        foreach (var file in rotated.Append(live))
        {
            var numbers = Numbers(await ReadAsync(file));
            Assert.NotEmpty(numbers);
            Assert.Equal(Enumerable.Range(numbers[0], numbers.Length), numbers);
            runs.Add(numbers);
        }
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.Equal(runs[i - 1][^1] + 1, runs[i][0]);
        }
        var liveStart = runs[^1][0];

        // A tail reads the live file: the newest lines, consecutive (once the live file holds more than 3).
        await Run.UntilAsync(async () => Numbers(await ReadAsync(live)).Length > 3 ? "" : null, "four lines in the live file");
        var tail = new MemoryStream();
        await reader.WriteAsync(live, new LogOptions(TailLines: 3), tail, IsRunning, CancellationToken.None);
        var tailNumbers = Numbers(Encoding.UTF8.GetString(tail.ToArray()));
        Assert.Equal(3, tailNumbers.Length);
        Assert.Equal(Enumerable.Range(tailNumbers[0], 3), tailNumbers);
        Assert.True(tailNumbers[0] >= liveStart, $"tail {tailNumbers[0]} is older than the live file's first line {liveStart}");

        // The follow went on through every rotation, line after line.
        await Run.UntilAsync(() => Task.FromResult(Numbers(followed.Text) is [.., var last] && last > liveStart ? "" : null),
            "the follow to reach the live file", 30, () => Task.FromResult(followed.Text.Length + " bytes followed"));
        await stopFollow.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow);
        var followedNumbers = Numbers(followed.Text);
        Assert.Equal(Enumerable.Range(followedNumbers[0], followedNumbers.Length), followedNumbers);
        Assert.True(followedNumbers[0] < runs[0][0], $"the follow started at {followedNumbers[0]}, after the oldest kept rotation {runs[0][0]}");

        (await Api.DeleteAsync<V1Pod>("default", "chatty")).EnsureOk();
        await Run.UntilAsync(async () => (await Api.GetAsync<V1Pod>("default", "chatty")).IsNotFound ? "" : null, "chatty to be deleted", 60,
            () => Task.FromResult(fixture.Log));
        Assert.False(Directory.Exists(Path.GetDirectoryName(live)), "the pod's log directory, rotated files included, is removed with the pod");
    }

    /// <summary>The rotated files of <paramref name="live"/>, oldest first (their names sort by time).</summary>
    private static List<string> Rotated(string live) =>
        Directory.EnumerateFiles(Path.GetDirectoryName(live)!)
            .Where(f => Path.GetFileName(f).StartsWith(Path.GetFileName(live) + ".", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static async Task<string> ReadAsync(string file)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var text = new StreamReader(file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream);
        return await text.ReadToEndAsync();
    }

    /// <summary>The numbers of the complete <c>line N</c> lines, in order (a last line still being written is left out).</summary>
    private static int[] Numbers(string text)
    {
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return LineNumber().Matches(complete).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    [GeneratedRegex(@"line (\d+) 0+\n")]
    private static partial Regex LineNumber();

    [GeneratedRegex(@"^\d{8}-\d{6}(\.gz)?$")]
    private static partial Regex RotatedName();

    /// <summary>An output stream the test can read while the follow writes to it.</summary>
    private sealed class CollectingStream : Stream
    {
        private readonly StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_text)
            {
                _text.Append(Encoding.UTF8.GetString(buffer, offset, count));
            }
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
    }
}
