namespace Timonel.Kubelet.Streaming;

/// <summary>
/// Writes a container's CRI log file as <c>kubectl logs</c> shows it: tail, since, timestamps and
/// limitBytes applied; with follow, keeps reading as the file grows until the container exits
/// (then drains what is left) or the caller cancels (the client went away).
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
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous,
        });
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
        while (true)
        {
            var any = false;
            while ((read = await file.ReadAsync(buffer, ct)) > 0)
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
