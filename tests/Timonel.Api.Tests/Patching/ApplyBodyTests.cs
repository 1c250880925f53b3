using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

public class ApplyBodyTests
{
    [Fact]
    public void Yaml_scalars_resolve_like_the_core_schema()
    {
        var body = JsonAssert.Succeeds(ApplyBody.Parse("""
            kind: Service
            spec:
              ports:
              - port: 80
                name: "80"
                weight: 1.5
              publishNotReadyAddresses: true
              clusterIP: ~
              externalName: 'null'
            """));

        JsonAssert.Equal("""
            {"kind":"Service","spec":{"ports":[{"port":80,"name":"80","weight":1.5}],
             "publishNotReadyAddresses":true,"clusterIP":null,"externalName":"null"}}
            """, body);
    }

    [Fact]
    public void Json_body_is_accepted_as_kubectl_sends_it()
    {
        JsonAssert.Succeeds(ApplyBody.Parse("""{"kind":"Pod","metadata":{"name":"p"}}"""), """{"kind":"Pod","metadata":{"name":"p"}}""");
    }

    [Theory]
    [InlineData("a: 1\n---\nb: 2\n")]
    [InlineData("- 1\n- 2\n")]
    [InlineData("a: [1, 2\n")]
    [InlineData("{\"a\": ")]
    public void Malformed_bodies_are_bad_requests(string text)
    {
        JsonAssert.Fails(ApplyBody.Parse(text), PatchFailureKind.BadRequest);
    }
}
