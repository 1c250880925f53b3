using System.Globalization;

namespace Timonel.Kubelet.Streaming;

/// <summary>
/// One record of a CRI log file: <c>&lt;RFC3339Nano time&gt; &lt;stdout|stderr&gt; &lt;F|P&gt; &lt;text&gt;</c>.
/// <c>P</c> (partial) means the runtime split a long line and the text continues in the next
/// record of the same stream; <c>F</c> ends the line. The text excludes the record's newline.
/// </summary>
public readonly record struct CriLogRecord(string Timestamp, DateTimeOffset Time, string Stream, bool Partial, ReadOnlyMemory<byte> Text)
{
    /// <summary>Parses one record (without its trailing newline); null when it is not in CRI format.</summary>
    public static CriLogRecord? Parse(ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        var first = span.IndexOf((byte)' ');
        if (first <= 0) return null;
        var timestamp = System.Text.Encoding.ASCII.GetString(span[..first]);
        if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return null;

        var rest = span[(first + 1)..];
        var second = rest.IndexOf((byte)' ');
        if (second <= 0) return null;
        var stream = rest[..second] switch
        {
            var s when s.SequenceEqual("stdout"u8) => "stdout",
            var s when s.SequenceEqual("stderr"u8) => "stderr",
            _ => null,
        };
        if (stream is null) return null;

        // Tags are ':'-separated; the first says full or partial. An empty text has no third space.
        var afterStream = first + 1 + second + 1;
        var tagsAndText = span[afterStream..];
        var third = tagsAndText.IndexOf((byte)' ');
        var tags = third < 0 ? tagsAndText : tagsAndText[..third];
        var colon = tags.IndexOf((byte)':');
        var tag = colon < 0 ? tags : tags[..colon];
        bool partial;
        if (tag.SequenceEqual("P"u8)) partial = true;
        else if (tag.SequenceEqual("F"u8)) partial = false;
        else return null;
        var text = third < 0 ? ReadOnlyMemory<byte>.Empty : line[(afterStream + third + 1)..];
        return new CriLogRecord(timestamp, time, stream, partial, text);
    }
}
