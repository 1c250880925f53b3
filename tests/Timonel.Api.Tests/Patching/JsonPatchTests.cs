using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

public class JsonPatchTests
{
    private const string Doc = """
        {"metadata":{"name":"web","annotations":{"a/b":"slash","m~n":"tilde"}},
         "spec":{"replicas":1,"list":["x","y"],"template":{"image":"old"}}}
        """;

    public static TheoryData<string, string, string> Successes => new()
    {
        { "add field", """[{"op":"add","path":"/spec/paused","value":true}]""", """{"spec":{"paused":true}}""" },
        { "add appends with -", """[{"op":"add","path":"/spec/list/-","value":"z"}]""", """{"spec":{"list":["x","y","z"]}}""" },
        { "add inserts at index", """[{"op":"add","path":"/spec/list/0","value":"w"}]""", """{"spec":{"list":["w","x","y"]}}""" },
        { "add replaces existing member", """[{"op":"add","path":"/spec/replicas","value":5}]""", """{"spec":{"replicas":5}}""" },
        { "remove array item", """[{"op":"remove","path":"/spec/list/0"}]""", """{"spec":{"list":["y"]}}""" },
        { "replace", """[{"op":"replace","path":"/spec/replicas","value":3}]""", """{"spec":{"replicas":3}}""" },
        { "replace with null", """[{"op":"replace","path":"/spec/replicas","value":null}]""", """{"spec":{"replicas":null}}""" },
        { "escaped ~1 is slash", """[{"op":"replace","path":"/metadata/annotations/a~1b","value":"S"}]""", """{"metadata":{"annotations":{"a/b":"S"}}}""" },
        { "escaped ~0 is tilde", """[{"op":"remove","path":"/metadata/annotations/m~0n"}]""", """{"metadata":{"annotations":{"m~n":null}}}""" },
        { "move", """[{"op":"move","from":"/spec/template/image","path":"/spec/image"}]""", """{"spec":{"image":"old","template":{"image":null}}}""" },
        { "copy", """[{"op":"copy","from":"/spec/list","path":"/spec/copy"}]""", """{"spec":{"copy":["x","y"]}}""" },
        { "test then replace", """[{"op":"test","path":"/spec/replicas","value":1.0},{"op":"replace","path":"/spec/replicas","value":2}]""", """{"spec":{"replicas":2}}""" },
        { "rollout undo shape", """[{"op":"replace","path":"/spec/template","value":{"image":"v1"}},{"op":"replace","path":"/metadata/annotations","value":{"rev":"1"}}]""",
            """{"metadata":{"annotations":{"a/b":null,"m~n":null,"rev":"1"}},"spec":{"template":{"image":"v1"}}}""" },
    };

    [Theory]
    [MemberData(nameof(Successes))]
    public void Applies(string name, string patch, string expectedChanges)
    {
        var outcome = JsonPatch.Apply(JsonAssert.Parse(Doc), JsonAssert.Parse(patch));
        // The expectation lists only what changed: apply it as a merge patch to the document,
        // where null means "member removed" (except the explicit replace-with-null case).
        var expected = MergePatch.Apply(JsonAssert.Parse(Doc), JsonAssert.Parse(expectedChanges)).Result!;
        if (name == "replace with null")
        {
            expected["spec"]!["replicas"] = null;
        }
        JsonAssert.Succeeds(outcome, expected.ToJsonString());
    }

    public static TheoryData<string, string, PatchFailureKind> Failures => new()
    {
        { "test fails", """[{"op":"test","path":"/spec/replicas","value":2}]""", PatchFailureKind.Unprocessable },
        { "test on missing path", """[{"op":"test","path":"/spec/nope","value":2}]""", PatchFailureKind.Unprocessable },
        { "remove missing", """[{"op":"remove","path":"/spec/nope"}]""", PatchFailureKind.Unprocessable },
        { "replace missing", """[{"op":"replace","path":"/spec/nope","value":1}]""", PatchFailureKind.Unprocessable },
        { "add below missing parent", """[{"op":"add","path":"/spec/nope/deeper","value":1}]""", PatchFailureKind.Unprocessable },
        { "index out of range", """[{"op":"add","path":"/spec/list/5","value":"z"}]""", PatchFailureKind.Unprocessable },
        { "leading zero index", """[{"op":"remove","path":"/spec/list/01"}]""", PatchFailureKind.Unprocessable },
        { "move into own child", """[{"op":"move","from":"/spec","path":"/spec/inner"}]""", PatchFailureKind.Unprocessable },
        { "not an array", """{"op":"add","path":"/a","value":1}""", PatchFailureKind.BadRequest },
        { "unknown op", """[{"op":"frobnicate","path":"/a"}]""", PatchFailureKind.BadRequest },
        { "missing value", """[{"op":"add","path":"/a"}]""", PatchFailureKind.BadRequest },
        { "bad escape", """[{"op":"remove","path":"/a~2b"}]""", PatchFailureKind.BadRequest },
        { "pointer without slash", """[{"op":"remove","path":"spec"}]""", PatchFailureKind.BadRequest },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Refuses(string name, string patch, PatchFailureKind kind)
    {
        var failure = JsonAssert.Fails(JsonPatch.Apply(JsonAssert.Parse(Doc), JsonAssert.Parse(patch)), kind);
        Assert.False(string.IsNullOrWhiteSpace(failure.Message), name);
    }

    [Fact]
    public void Failed_test_names_the_path_and_leaves_nothing_half_applied()
    {
        var target = JsonAssert.Parse(Doc);
        var outcome = JsonPatch.Apply(target, JsonAssert.Parse(
            """[{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/metadata/name","value":"other"}]"""));

        var failure = JsonAssert.Fails(outcome, PatchFailureKind.Unprocessable);
        Assert.Equal(422, failure.HttpStatus);
        Assert.Contains("/metadata/name", failure.Message, StringComparison.Ordinal);
        JsonAssert.Equal(Doc, target);
    }
}
