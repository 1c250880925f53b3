namespace Timonel.Kubelet.Streaming;

/// <summary>One log line as a reader sees it: partial records of a stream joined, newline included when the line ended.</summary>
public sealed record LogLine(string Timestamp, DateTimeOffset Time, string Stream, byte[] Content);

/// <summary>
/// Turns the bytes of a CRI log file, fed in arbitrary chunks, into <see cref="LogLine"/>s:
/// file lines are split on '\n' (a trailing piece waits for more bytes), records that do not
/// parse are skipped, and <c>P</c> records are joined per stream until that stream's <c>F</c>
/// record (the line keeps the first record's time, as it is when the line began).
/// </summary>
public sealed class LogLineAssembler
{
    private readonly List<byte> _pendingFileLine = [];
    private readonly Dictionary<string, (CriLogRecord First, List<byte> Text)> _partial = [];

    public void Feed(ReadOnlySpan<byte> chunk, List<LogLine> output)
    {
        while (chunk.Length > 0)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pendingFileLine.AddRange(chunk);
                return;
            }
            byte[] fileLine;
            if (_pendingFileLine.Count > 0)
            {
                _pendingFileLine.AddRange(chunk[..newline]);
                fileLine = [.. _pendingFileLine];
                _pendingFileLine.Clear();
            }
            else
            {
                fileLine = chunk[..newline].ToArray();
            }
            chunk = chunk[(newline + 1)..];
            if (CriLogRecord.Parse(fileLine) is { } record) Add(record, output);
        }
    }

    /// <summary>Lines begun but not ended when the reader stops (a container killed mid-line): given without a newline.</summary>
    public void Flush(List<LogLine> output)
    {
        foreach (var (stream, (first, text)) in _partial.OrderBy(p => p.Value.First.Time))
        {
            output.Add(new LogLine(first.Timestamp, first.Time, stream, [.. text]));
        }
        _partial.Clear();
    }

    private void Add(CriLogRecord record, List<LogLine> output)
    {
        if (_partial.TryGetValue(record.Stream, out var pending))
        {
            pending.Text.AddRange(record.Text.Span);
            if (record.Partial) return;
            pending.Text.Add((byte)'\n');
            _partial.Remove(record.Stream);
            output.Add(new LogLine(pending.First.Timestamp, pending.First.Time, record.Stream, [.. pending.Text]));
            return;
        }
        if (record.Partial)
        {
            _partial[record.Stream] = (record, [.. record.Text.Span]);
            return;
        }
        var content = new byte[record.Text.Length + 1];
        record.Text.Span.CopyTo(content);
        content[^1] = (byte)'\n';
        output.Add(new LogLine(record.Timestamp, record.Time, record.Stream, content));
    }
}
