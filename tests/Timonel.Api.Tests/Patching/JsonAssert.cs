using System.Text.Json.Nodes;
using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

internal static class JsonAssert
{
    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    /// <summary>Asserts the outcome succeeded and its result equals the expected JSON (key order ignored).</summary>
    public static JsonNode Succeeds(PatchOutcome outcome, string? expected = null)
    {
        Assert.True(outcome.Succeeded, outcome.ToString());
        if (expected is not null)
        {
            Equal(expected, outcome.Result);
        }
        return outcome.Result;
    }

    public static PatchFailure Fails(PatchOutcome outcome, PatchFailureKind kind)
    {
        Assert.False(outcome.Succeeded, $"expected {kind}, got {outcome}");
        Assert.Equal(kind, outcome.Failure.Kind);
        return outcome.Failure;
    }

    public static void Equal(string expected, JsonNode? actual)
    {
        var want = JsonNode.Parse(expected);
        Assert.True(JsonNode.DeepEquals(Normalize(want), Normalize(actual)),
            $"expected {want?.ToJsonString()}\n  actual {actual?.ToJsonString()}");
    }

    // Re-parse so numbers built in code and parsed numbers compare alike; objects compare by key.
    private static JsonNode? Normalize(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());
}
