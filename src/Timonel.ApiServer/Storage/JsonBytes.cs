using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Storage;

/// <summary>
/// Compact JSON as Kubernetes writes it: quotes escaped as <c>\"</c>, not <c>\u0022</c>, and
/// non-ASCII text kept as is. Used for stored values, responses and watch events alike.
/// </summary>
public static class JsonBytes
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static byte[] ToUtf8(JsonNode node)
    {
        using var scratch = Scratch.Take();
        var writer = scratch.Writer();
        node.WriteTo(writer);
        writer.Flush();
        return scratch.Buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A buffer and a JSON writer kept per thread and reused, so that writing an object allocates
    /// only its exact-size result, not the doubling buffers of a fresh writer (one of the largest
    /// allocation sources of the create path, measured in docs/benchmarks.md).
    /// </summary>
    public sealed class Scratch : IDisposable
    {
        private const int KeptBytes = 256 * 1024;

        [ThreadStatic]
        private static Scratch? _cached;

        private Utf8JsonWriter? _writer;

        public ArrayBufferWriter<byte> Buffer { get; } = new(4096);

        /// <summary>The thread's scratch, empty; callers dispose it (which gives it back) before any await.</summary>
        public static Scratch Take()
        {
            var scratch = _cached ?? new Scratch();
            _cached = null;
            return scratch;
        }

        /// <summary>Gives the scratch back to its thread, unless a large object grew it.</summary>
        public void Dispose()
        {
            if (Buffer.Capacity > KeptBytes)
            {
                return;
            }
            Buffer.ResetWrittenCount();
            _cached = this;
        }

        /// <summary>A JSON writer onto <see cref="Buffer"/>, reset to its start.</summary>
        public Utf8JsonWriter Writer()
        {
            if (_writer is null)
            {
                _writer = new Utf8JsonWriter(Buffer, WriterOptions);
            }
            else
            {
                _writer.Reset(Buffer);
            }
            return _writer;
        }
    }
}
