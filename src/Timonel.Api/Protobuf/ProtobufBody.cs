using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Api.Protobuf;

/// <summary>Why a protobuf body could not be turned into JSON; the server maps it to an HTTP status.</summary>
public enum ProtobufDecodeFailure
{
    /// <summary>Not a Kubernetes protobuf body, or its bytes do not parse (400 Bad Request).</summary>
    Malformed,

    /// <summary>A well-formed body of a kind, encoding or field the table does not cover (415).</summary>
    Unsupported,
}

public sealed record ProtobufDecodeError(ProtobufDecodeFailure Failure, string Message);

/// <summary>
/// Request bodies sent as <c>application/vnd.kubernetes.protobuf</c> (kubectl's typed
/// <c>create</c> subcommands): the magic <c>k8s\0</c>, then a runtime.Unknown envelope
/// {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4} whose
/// raw bytes are the protobuf-encoded object. <see cref="TryDecode"/> gives the object's ordinary
/// JSON form, so the server handles it exactly like a JSON body.
/// </summary>
public static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>True for the protobuf media type, with or without parameters.</summary>
    public static bool IsProtobuf(string? contentType) =>
        contentType is not null
        && contentType.Split(';')[0].Trim().Equals(MediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Kinds (apiVersion, kind) whose protobuf bodies can be decoded.</summary>
    public static IEnumerable<(string ApiVersion, string Kind)> SupportedKinds => ProtobufSchema.TopLevel.Keys;

    public static bool TryDecode(
        ReadOnlySpan<byte> body,
        [NotNullWhen(true)] out JsonObject? json,
        [NotNullWhen(false)] out ProtobufDecodeError? error)
    {
        json = null;
        if (!body.StartsWith(Magic))
        {
            error = new(ProtobufDecodeFailure.Malformed, "protobuf body does not start with the k8s\\0 magic");
            return false;
        }
        var envelopeError = ReadEnvelope(body[Magic.Length..], out var envelope);
        if (envelopeError is not null)
        {
            error = new(ProtobufDecodeFailure.Malformed, envelopeError);
            return false;
        }
        if (envelope.ContentEncoding.Length > 0)
        {
            error = new(ProtobufDecodeFailure.Unsupported,
                $"protobuf envelope content encoding \"{envelope.ContentEncoding}\" is not supported");
            return false;
        }
        if (!ProtobufSchema.TopLevel.TryGetValue(envelope.Kind == "DeleteOptions" ? ("meta.k8s.io/v1", "DeleteOptions") : (envelope.ApiVersion, envelope.Kind), out var name))
        {
            error = new(ProtobufDecodeFailure.Unsupported,
                $"protobuf bodies of {envelope.ApiVersion} {envelope.Kind} are not supported; send JSON");
            return false;
        }
        var result = new JsonObject { ["kind"] = envelope.Kind, ["apiVersion"] = envelope.ApiVersion };
        var decodeError = MessageDecoder.Decode(ProtobufSchema.Messages[name], body[envelope.RawStart..envelope.RawEnd], result, 0);
        if (decodeError is not null)
        {
            error = decodeError;
            return false;
        }
        json = result;
        error = null;
        return true;
    }

    /// <summary>Offsets of raw are relative to the whole body (magic included).</summary>
    private readonly record struct Envelope(
        string ApiVersion, string Kind, int RawStart, int RawEnd, string ContentEncoding);

    private static string? ReadEnvelope(ReadOnlySpan<byte> data, out Envelope envelope)
    {
        envelope = new("", "", 0, 0, "");
        var reader = new WireReader(data);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var number, out var wire) || wire != WireType.LengthDelimited)
            {
                return "protobuf envelope: malformed field";
            }
            if (!reader.TryReadLengthDelimited(out var bytes))
            {
                return "protobuf envelope: truncated field";
            }
            switch (number)
            {
                case 1:
                    var typeError = ReadTypeMeta(bytes, out var apiVersion, out var kind);
                    if (typeError is not null)
                    {
                        return typeError;
                    }
                    envelope = envelope with { ApiVersion = apiVersion, Kind = kind };
                    break;
                case 2:
                    var end = reader.Position + Magic.Length;
                    envelope = envelope with { RawStart = end - bytes.Length, RawEnd = end };
                    break;
                case 3:
                    envelope = envelope with { ContentEncoding = Encoding.UTF8.GetString(bytes) };
                    break;
                case 4:
                    break; // contentType: Kubernetes leaves it empty; raw is protobuf either way.
                default:
                    return $"protobuf envelope: unknown field number {number}";
            }
        }
        if (envelope.Kind.Length == 0 || envelope.ApiVersion.Length == 0)
        {
            return "protobuf envelope: typeMeta.apiVersion and typeMeta.kind are required";
        }
        return envelope.RawEnd == 0 ? "protobuf envelope: the raw object is missing" : null;
    }

    private static string? ReadTypeMeta(ReadOnlySpan<byte> data, out string apiVersion, out string kind)
    {
        apiVersion = "";
        kind = "";
        var reader = new WireReader(data);
        while (!reader.AtEnd)
        {
            if (!reader.TryReadTag(out var number, out var wire) || wire != WireType.LengthDelimited
                || !reader.TryReadLengthDelimited(out var bytes) || number is not (1 or 2))
            {
                return "protobuf envelope: malformed typeMeta";
            }
            if (number == 1)
            {
                apiVersion = Encoding.UTF8.GetString(bytes);
            }
            else
            {
                kind = Encoding.UTF8.GetString(bytes);
            }
        }
        return null;
    }
}
