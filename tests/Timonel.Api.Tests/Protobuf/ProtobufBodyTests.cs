using System.Text.Json.Nodes;
using Timonel.Api.Protobuf;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>Encodings and failures that kubectl's fixtures do not exercise, on hand-built bodies.</summary>
public sealed class ProtobufBodyTests
{
    private static JsonObject Decode(byte[] body)
    {
        Assert.True(ProtobufBody.TryDecode(body, out var json, out var error), error?.Message);
        return json;
    }

    private static ProtobufDecodeError Fail(byte[] body)
    {
        Assert.False(ProtobufBody.TryDecode(body, out _, out var error));
        return error;
    }

    [Fact]
    public void DeleteOptionsDecodeUnderAnyGroupVersion()
    {
        // client-go (helm uninstall) sends DeleteOptions with the deleted resource's group-version.
        var json = Decode(Pb.Body("apps/v1", "DeleteOptions", [.. Pb.Varint(1, 0), .. Pb.Msg(2, Pb.Str(1, "u-1")), .. Pb.Str(4, "Foreground")]));
        Assert.Equal(0, (long)json["gracePeriodSeconds"]!);
        Assert.Equal("u-1", (string)json["preconditions"]!["uid"]!);
        Assert.Equal("Foreground", (string)json["propagationPolicy"]!);
    }

    [Fact]
    public void TimeIsRfc3339AndPointerZeroesAreKept()
    {
        var json = Decode(Pb.Body("v1", "Namespace", Pb.Msg(1,
            Pb.Str(1, "ns"),
            Pb.Varint(7, 0), // generation: omitempty, left out
            Pb.Msg(8, Pb.Varint(1, 1700000000), Pb.Varint(2, 0)),
            Pb.Varint(10, 0), // deletionGracePeriodSeconds: a Go pointer, so 0 is written
            Pb.Msg(11, Pb.Str(1, "app"), Pb.Str(2, "web")),
            Pb.Msg(11, Pb.Str(1, "tier"), Pb.Str(2, "")))));

        var metadata = json["metadata"]!.AsObject();
        Assert.Equal("2023-11-14T22:13:20Z", (string)metadata["creationTimestamp"]!);
        Assert.Equal(0, (long)metadata["deletionGracePeriodSeconds"]!);
        Assert.False(metadata.ContainsKey("generation"));
        Assert.Equal("""{"app":"web","tier":""}""", metadata["labels"]!.ToJsonString());
    }

    [Fact]
    public void IntOrStringQuantityAndPackedRepeatedDecode()
    {
        var spec = Pb.Msg(2,
            Pb.Msg(1, Pb.Varint(1, 1), Pb.Str(3, "25%")),
            Pb.Msg(3, Pb.Varint(1, 0), Pb.Varint(2, 2)));
        var pdb = Decode(Pb.Body("policy/v1", "PodDisruptionBudget", [.. Pb.Msg(1, Pb.Str(1, "p")), .. spec]));
        Assert.Equal("25%", (string)pdb["spec"]!["minAvailable"]!);
        Assert.Equal(2, (int)pdb["spec"]!["maxUnavailable"]!);

        var quota = Decode(Pb.Body("v1", "ResourceQuota", [.. Pb.Msg(1, Pb.Str(1, "q")),
            .. Pb.Msg(2, Pb.Msg(1, Pb.Str(1, "cpu"), Pb.Msg(2, Pb.Str(1, "500m"))))]));
        Assert.Equal("500m", (string)quota["spec"]!["hard"]!["cpu"]!);
    }

    [Fact]
    public void RepeatedIntegersAcceptPackedAndUnpackedEncodings()
    {
        // PodSecurityContext.supplementalGroups (4, repeated int64): one packed run, then one more.
        byte[] packed = [0x22, 0x04, 0xe8, 0x07, 0xd0, 0x0f];
        var securityContext = Pb.Msg(14, [.. packed, .. Pb.Varint(4, 3000)]);
        var json = Decode(Pb.Body("apps/v1", "Deployment", [.. Pb.Msg(1, Pb.Str(1, "d")),
            .. Pb.Msg(2, Pb.Msg(3, Pb.Msg(2, securityContext)))]));
        Assert.Equal("[1000,2000,3000]",
            json["spec"]!["template"]!["spec"]!["securityContext"]!["supplementalGroups"]!.ToJsonString());
    }

    [Fact]
    public void UnknownFieldInAKnownMessageIsNamed()
    {
        var error = Fail(Pb.Body("v1", "Namespace", Pb.Msg(1, Pb.Str(1, "ns"), Pb.Varint(99, 1))));
        Assert.Equal(ProtobufDecodeFailure.Unsupported, error.Failure);
        Assert.Contains("meta.ObjectMeta", error.Message, StringComparison.Ordinal);
        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UncoveredKindAndEncodingAreUnsupported()
    {
        var statefulSet = Fail(Pb.Body("apps/v1", "StatefulSet", Pb.Msg(1, Pb.Str(1, "s"))));
        Assert.Equal(ProtobufDecodeFailure.Unsupported, statefulSet.Failure);
        Assert.Contains("StatefulSet", statefulSet.Message, StringComparison.Ordinal);

        var gzip = Fail(Pb.Body("v1", "Namespace", Pb.Msg(1, Pb.Str(1, "ns")), contentEncoding: "gzip"));
        Assert.Equal(ProtobufDecodeFailure.Unsupported, gzip.Failure);
    }

    [Fact]
    public void WrongWireTypeAndMissingMagicAreMalformed()
    {
        // metadata.name (a string) sent as a varint.
        var wrongWire = Fail(Pb.Body("v1", "Namespace", Pb.Msg(1, Pb.Varint(1, 5))));
        Assert.Equal(ProtobufDecodeFailure.Malformed, wrongWire.Failure);
        Assert.Contains("meta.ObjectMeta.name", wrongWire.Message, StringComparison.Ordinal);

        var noMagic = Fail("""{"kind":"Namespace"}"""u8.ToArray());
        Assert.Equal(ProtobufDecodeFailure.Malformed, noMagic.Failure);
    }

    [Fact]
    public void InlineMessagesMergeIntoTheirParent()
    {
        // env[].valueFrom.configMapKeyRef embeds LocalObjectReference {name}: JSON has it flat.
        var env = Pb.Msg(7, Pb.Str(1, "A"), Pb.Msg(3, Pb.Msg(3, Pb.Msg(1, Pb.Str(1, "cm")), Pb.Str(2, "k"))));
        var container = Pb.Msg(2, Pb.Str(1, "c"), env);
        var json = Decode(Pb.Body("apps/v1", "Deployment", [.. Pb.Msg(1, Pb.Str(1, "d")),
            .. Pb.Msg(2, Pb.Msg(3, Pb.Msg(2, container)))]));
        var reference = json["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]![0]!["valueFrom"]!["configMapKeyRef"]!;
        Assert.Equal("""{"name":"cm","key":"k"}""", reference.ToJsonString());
    }
}
