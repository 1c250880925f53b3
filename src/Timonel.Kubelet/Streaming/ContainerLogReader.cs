namespace Timonel.Kubelet.Streaming;

/// <summary>
/// Writes a container's CRI log file as <c>kubectl logs</c> shows it: tail, since, timestamps and
/// limitBytes applied; with follow, keeps reading as the file grows until the container exits
/// (then drains what is left) or the caller cancels (the client went away).
/// Rotation (Logs/ContainerLogRotation): only the live file is read, as upstream (a tail right after
/// a rotation shows just what the new file holds). A follow survives rotations: when the file it
/// reads was renamed and the runtime has reopened a new live file under the path, the old one is
/// read to its end and the new one from its start, so no line is lost or repeated.
/// </summary>
public sealed class ContainerLogReader(TimeProvider time)
{
    /// <summary>How often a followed file is read again for new bytes.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a follow asks whether the container still runs.</summary>
    public TimeSpan RunningCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <param name="isRunning">Asked during follow; false ends it after one last read.</param>
    public async Task WriteAsync(string path, LogOptions options, Stream output, Func<CancellationToken, Task<bool>> isRunning, CancellationToken ct)
    {
        await using var live = new LiveFile(Open(path));
        var file = live.File;
        var sink = new LogSink(output, options);
        var assembler = new LogLineAssembler();
        var buffer = new byte[64 * 1024];
        var lines = new List<LogLine>();

        // The file as it is now: only the last TailLines lines are kept while reading it, and
        // reading starts near the end when the tail is all that is wanted.
        if (options.TailLines is { } wanted) file.Seek(await TailOffset.FindAsync(file, wanted, ct), SeekOrigin.Begin);
        var tail = new Queue<LogLine>();
        int read;
        while ((read = await file.ReadAsync(buffer, ct)) > 0)
        {
            assembler.Feed(buffer.AsSpan(0, read), lines);
            foreach (var line in lines)
            {
                if (!sink.Wants(line)) continue;
                tail.Enqueue(line);
                if (options.TailLines is { } n && tail.Count > n) tail.Dequeue();
            }
            lines.Clear();
        }
        if (!options.Follow) assembler.Flush(lines);
        foreach (var line in tail.Concat(lines))
        {
            if (!await sink.WriteAsync(line, ct)) return;
        }
        lines.Clear();
        await output.FlushAsync(ct);
        if (!options.Follow) return;

        var lastRunningCheck = time.GetTimestamp();
        var running = true;
        var replacementSeen = false;
        while (true)
        {
            var any = false;
            while ((read = await live.File.ReadAsync(buffer, ct)) > 0)
            {
                any = true;
                assembler.Feed(buffer.AsSpan(0, read), lines);
                foreach (var line in lines)
                {
                    if (sink.Wants(line) && !await sink.WriteAsync(line, ct)) return;
                }
                lines.Clear();
            }
            if (any) await output.FlushAsync(ct);
            if (!running) break;
            if (!any && live.WasRenamed && System.IO.File.Exists(path))
            {
                // Rotated, and the runtime writes to a new file at path. Switch one poll after seeing it,
                // when the old one was read to its end again: a write the runtime had under way when it
                // reopened lands in the old file, never after the switch.
                if (replacementSeen)
                {
                    await live.SwitchToAsync(Open(path));
                    replacementSeen = false;
                    continue;
                }
                replacementSeen = true;
            }
            if (time.GetElapsedTime(lastRunningCheck) >= RunningCheckInterval)
            {
                // One more read after the container is seen stopped: what it wrote last is in the file.
                running = await isRunning(ct);
                lastRunningCheck = time.GetTimestamp();
                if (!running) continue;
            }
            await Task.Delay(PollInterval, time, ct);
        }
        assembler.Flush(lines);
        foreach (var line in lines)
        {
            if (sink.Wants(line) && !await sink.WriteAsync(line, ct)) return;
        }
        await output.FlushAsync(ct);
    }

    private static FileStream Open(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        Options = FileOptions.Asynchronous,
    });

    /// <summary>
    /// The file a follow reads, and the name the kernel gives its open descriptor
    /// (<c>/proc/self/fd/N</c>): a rename or deletion of the file changes that name, which tells a
    /// rotation without comparing inodes (which .NET does not expose).
    /// </summary>
    private sealed class LiveFile(FileStream file) : IAsyncDisposable
    {
        private string? _openedAs = NameOf(file);

        public FileStream File { get; private set; } = file;

        public bool WasRenamed => _openedAs is not null && NameOf(File) is { } now && now != _openedAs;

        /// <summary>Reads continue in <paramref name="next"/>; the old file is closed.</summary>
        public async Task SwitchToAsync(FileStream next)
        {
            var old = File;
            File = next;
            _openedAs = NameOf(next);
            await old.DisposeAsync();
        }

        public ValueTask DisposeAsync() => File.DisposeAsync();

        private static string? NameOf(FileStream stream)
        {
            try
            {
                var fd = stream.SafeFileHandle.DangerousGetHandle().ToInt64();
                return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            }
            catch (IOException)
            {
                return null; // No /proc: rotations are not followed.
            }
        }
    }

    /// <summary>The since filter, the timestamps prefix and the byte limit.</summary>
    private sealed class LogSink(Stream output, LogOptions options)
    {
        private long _written;

        public bool Wants(LogLine line) => options.Since is not { } since || line.Time >= since;

        /// <summary>False once limitBytes is reached: nothing more may be written.</summary>
        public async Task<bool> WriteAsync(LogLine line, CancellationToken ct)
        {
            if (options.Timestamps)
            {
                if (!await WriteLimitedAsync(System.Text.Encoding.ASCII.GetBytes(line.Timestamp + " "), ct)) return false;
            }
            return await WriteLimitedAsync(line.Content, ct);
        }

        private async Task<bool> WriteLimitedAsync(byte[] bytes, CancellationToken ct)
        {
            var count = bytes.Length;
            if (options.LimitBytes is { } limit) count = (int)Math.Min(count, limit - _written);
            if (count > 0) await output.WriteAsync(bytes.AsMemory(0, count), ct);
            _written += count;
            return options.LimitBytes is not { } max || _written < max;
        }
    }
}
