namespace Timonel.Kubelet.Streaming;

/// <summary>
/// Where to start reading a CRI log file for its last N lines, without reading the whole file:
/// scans backwards for newlines and counts complete <c>F</c> records (each ends exactly one log
/// line; <c>P</c> records continue one). The start is just after the (N+1)-th such record from the
/// end, so the rest of the file holds the last N lines with their partial records — unless another
/// stream's records were interleaved within a split line, where a line's first pieces can fall
/// before the start (the reader then shows that line without them).
/// </summary>
public static class TailOffset
{
    private const int BlockSize = 64 * 1024;

    /// <summary>An offset to read from; 0 when the file holds no more than <paramref name="lines"/> lines.</summary>
    public static async Task<long> FindAsync(FileStream file, long lines, CancellationToken ct)
    {
        var length = file.Length;
        var block = new byte[BlockSize];
        var head = new byte[64];
        long found = 0;
        long lineEnd = -1; // the newline ending the line that starts after the next newline found
        for (var blockEnd = length; blockEnd > 0;)
        {
            var blockStart = Math.Max(0, blockEnd - BlockSize);
            var count = (int)(blockEnd - blockStart);
            file.Seek(blockStart, SeekOrigin.Begin);
            await file.ReadExactlyAsync(block.AsMemory(0, count), ct);
            for (var i = count - 1; i >= 0; i--)
            {
                if (block[i] != (byte)'\n') continue;
                var newline = blockStart + i;
                // A line after the file's last newline is not complete yet: it does not count.
                if (lineEnd >= 0 && await IsFullRecordAsync(file, newline + 1, head, ct) && ++found == lines + 1)
                {
                    return lineEnd + 1;
                }
                lineEnd = newline;
            }
            blockEnd = blockStart;
        }
        return 0;
    }

    private static async Task<bool> IsFullRecordAsync(FileStream file, long start, byte[] head, CancellationToken ct)
    {
        file.Seek(start, SeekOrigin.Begin);
        var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        var span = head.AsSpan(0, read);
        var newline = span.IndexOf((byte)'\n');
        if (newline >= 0) span = span[..newline];
        // <time> <stream> <tags> ...: the tags' first entry says full (F) or partial (P).
        for (var field = 0; field < 2; field++)
        {
            var space = span.IndexOf((byte)' ');
            if (space < 0) return false;
            span = span[(space + 1)..];
        }
        return span.Length > 0 && span[0] == (byte)'F' && (span.Length == 1 || span[1] is (byte)' ' or (byte)':');
    }
}
