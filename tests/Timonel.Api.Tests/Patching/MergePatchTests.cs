using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

public class MergePatchTests
{
    private const string Pod = """
        {"metadata":{"name":"p","labels":{"app":"web","tier":"front"},"annotations":{"a":"1"}},
         "spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"n1"}}
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "kubectl label adds", """{"metadata":{"labels":{"env":"prod"}}}""",
            """{"metadata":{"name":"p","labels":{"app":"web","tier":"front","env":"prod"},"annotations":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"n1"}}""" },
        { "kubectl label tier- removes", """{"metadata":{"labels":{"tier":null}}}""",
            """{"metadata":{"name":"p","labels":{"app":"web"},"annotations":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"n1"}}""" },
        { "arrays are replaced whole", """{"spec":{"containers":[{"name":"d"}]}}""",
            """{"metadata":{"name":"p","labels":{"app":"web","tier":"front"},"annotations":{"a":"1"}},"spec":{"containers":[{"name":"d"}],"nodeName":"n1"}}""" },
        { "null on missing field is a no-op", """{"spec":{"missing":null}}""", Pod },
        { "new nested object drops its nulls", """{"status":{"phase":"Running","reason":null}}""",
            """{"metadata":{"name":"p","labels":{"app":"web","tier":"front"},"annotations":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"n1"},"status":{"phase":"Running"}}""" },
        { "scale subresource", """{"spec":{"replicas":3}}""",
            """{"metadata":{"name":"p","labels":{"app":"web","tier":"front"},"annotations":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"n1","replicas":3}}""" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Merges(string name, string patch, string expected)
    {
        Assert.NotEmpty(name);
        JsonAssert.Succeeds(MergePatch.Apply(JsonAssert.Parse(Pod), JsonAssert.Parse(patch)), expected);
    }

    [Fact]
    public void Non_object_patch_is_a_bad_request()
    {
        JsonAssert.Fails(MergePatch.Apply(JsonAssert.Parse(Pod), JsonAssert.Parse("[1,2]")), PatchFailureKind.BadRequest);
    }

    [Fact]
    public void Inputs_are_not_modified()
    {
        var target = JsonAssert.Parse(Pod);
        var patch = JsonAssert.Parse("""{"metadata":{"labels":{"app":null}}}""");
        JsonAssert.Succeeds(MergePatch.Apply(target, patch));
        JsonAssert.Equal(Pod, target);
        JsonAssert.Equal("""{"metadata":{"labels":{"app":null}}}""", patch);
    }
}
