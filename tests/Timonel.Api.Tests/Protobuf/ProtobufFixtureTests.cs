using System.Text.Json.Nodes;
using Timonel.Api.Protobuf;

namespace Timonel.Api.Tests.Protobuf;

/// <summary>
/// The committed bodies kubectl v1.35.2 sent (Fixtures/*.pb) decode to the JSON the same command
/// prints with --dry-run=client -o json (Fixtures/*.json). Runs without kubectl; the live test
/// <see cref="KubectlProtobufTests"/> checks that these fixtures are what kubectl sends.
/// </summary>
public sealed class ProtobufFixtureTests
{
    [Theory]
    [MemberData(nameof(KubectlCreateCases.Names), MemberType = typeof(KubectlCreateCases))]
    public async Task FixtureDecodesToKubectlDryRunJson(string name)
    {
        var body = await FixtureFiles.ReadBodyAsync(name);
        var expected = JsonNode.Parse(await FixtureFiles.ReadJsonAsync(name));

        Assert.True(ProtobufBody.TryDecode(body, out var json, out var error), error?.Message);
        Assert.Equal(JsonCompare.Canonical(expected), JsonCompare.Canonical(json));
    }

    [Fact]
    public async Task EverySupportedKindHasAFixture()
    {
        var covered = new HashSet<(string, string)>();
        foreach (var c in KubectlCreateCases.All)
        {
            var json = JsonNode.Parse(await FixtureFiles.ReadJsonAsync(c.Name))!;
            covered.Add(((string)json["apiVersion"]!, (string)json["kind"]!));
        }
        // DeleteOptions and the reviews are not made by `kubectl create`; the E2E tests (helm uninstall,
        // kubectl auth) and ProtobufBodyTests cover them. TokenRequest is the body of `kubectl create
        // token`, a subresource: ServiceAccountTokenTests send it as protobuf to a real server. A
        // HorizontalPodAutoscaler comes from `kubectl autoscale`, a Pod from `kubectl debug`, both of
        // which read an object first: the E2E KubectlBasicsTests run them against a real server.
        var createKinds = ProtobufBody.SupportedKinds.Where(k => k.Kind is not ("DeleteOptions" or "SelfSubjectAccessReview" or "SelfSubjectRulesReview" or "SelfSubjectReview" or "TokenRequest" or "HorizontalPodAutoscaler" or "Pod")).ToList();
        Assert.Empty(createKinds.Except(covered));
        Assert.Equal(16, createKinds.Count);
    }

    [Fact]
    public async Task EveryPrefixOfAFixtureIsRejectedWithoutAnException()
    {
        var body = await FixtureFiles.ReadBodyAsync("deployment");
        // kubectl ends the envelope with empty contentEncoding (3) and contentType (4) fields, so
        // every prefix that stops before them cuts the typeMeta or the raw object short.
        Assert.Equal([0x1a, 0x00, 0x22, 0x00], body[^4..]);
        for (var length = 0; length < body.Length - 4; length++)
        {
            Assert.False(ProtobufBody.TryDecode(body.AsSpan(0, length), out _, out var error), $"prefix {length}");
            Assert.Equal(ProtobufDecodeFailure.Malformed, error.Failure);
        }
    }
}
