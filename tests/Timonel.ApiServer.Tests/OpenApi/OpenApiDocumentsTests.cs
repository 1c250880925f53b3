using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Scheme;
using Timonel.ApiServer.OpenApi;

namespace Timonel.ApiServer.Tests.OpenApi;

public sealed class OpenApiDocumentsTests
{
    private static readonly OpenApiDocuments Documents = new(ResourceRegistry.Builtin);

    private static JsonObject Doc(string path) => JsonNode.Parse(Documents.Document(path)!.Value.Json)!.AsObject();

    private static JsonObject Schema(JsonObject doc, string name) => doc["components"]!["schemas"]![name]!.AsObject();

    private static string RefOf(JsonNode field) =>
        (field["$ref"] ?? field["allOf"]![0]!["$ref"])!.GetValue<string>()["#/components/schemas/".Length..];

    public static TheoryData<string> GroupVersions() => [.. ResourceRegistry.Builtin.Resources.Select(r => OpenApiDocuments.PathOf(r.Group, r.Version)).Distinct()];

    [Fact]
    public void DeploymentStrategyHasUpstreamNamesDescriptionsAndFields()
    {
        var doc = Doc("apis/apps/v1");
        var deployment = Schema(doc, "io.k8s.api.apps.v1.Deployment");
        var gvk = deployment["x-kubernetes-group-version-kind"]![0]!;
        Assert.Equal(("apps", "v1", "Deployment"), (gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>()));
        Assert.Equal("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", RefOf(deployment["properties"]!["metadata"]!));

        var spec = Schema(doc, RefOf(deployment["properties"]!["spec"]!));
        Assert.Equal("io.k8s.api.apps.v1.DeploymentSpec", RefOf(deployment["properties"]!["spec"]!));
        var strategyField = spec["properties"]!["strategy"]!;
        Assert.Contains("deployment strategy", strategyField["description"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("selector", spec["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        var strategy = Schema(doc, RefOf(strategyField));
        Assert.Contains("rollingUpdate", strategy["properties"]!.AsObject().Select(kv => kv.Key));
        var rolling = Schema(doc, RefOf(strategy["properties"]!["rollingUpdate"]!));
        Assert.Equal("io.k8s.apimachinery.pkg.util.intstr.IntOrString", RefOf(rolling["properties"]!["maxSurge"]!));
        Assert.Equal("int-or-string", Schema(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString")["format"]!.GetValue<string>());
        Assert.Equal("io.k8s.api.core.v1.PodTemplateSpec", RefOf(spec["properties"]!["template"]!));
    }

    [Fact]
    public void PodContainersCarryMergeMetadataAndLeafTypes()
    {
        var doc = Doc("api/v1");
        var podSpec = Schema(doc, "io.k8s.api.core.v1.PodSpec");
        var containers = podSpec["properties"]!["containers"]!;
        Assert.Equal("array", containers["type"]!.GetValue<string>());
        Assert.Equal("name", containers["x-kubernetes-patch-merge-key"]!.GetValue<string>());
        Assert.Equal("merge", containers["x-kubernetes-patch-strategy"]!.GetValue<string>());
        Assert.Equal("io.k8s.api.core.v1.Container", RefOf(containers["items"]!));
        var resources = Schema(doc, "io.k8s.api.core.v1.ResourceRequirements");
        Assert.Equal("io.k8s.apimachinery.pkg.api.resource.Quantity", RefOf(resources["properties"]!["limits"]!["additionalProperties"]!));
        var meta = Schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        Assert.Equal("io.k8s.apimachinery.pkg.apis.meta.v1.Time", RefOf(meta["properties"]!["creationTimestamp"]!));
        Assert.Equal("date-time", Schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.Time")["format"]!.GetValue<string>());
        Assert.Equal("object", meta["properties"]!["labels"]!["type"]!.GetValue<string>());
        Assert.Equal("string", meta["properties"]!["labels"]!["additionalProperties"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(GroupVersions))]
    public void EveryReferenceResolvesAndEveryKindHasAPatchWithFieldValidation(string path)
    {
        var doc = Doc(path);
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var refs = ModelSchemas.References(doc).ToList();
        Assert.NotEmpty(refs);
        Assert.All(refs, r => Assert.True(schemas.ContainsKey(r), $"{path}: unresolved $ref {r}"));

        foreach (var r in ResourceRegistry.Builtin.Resources.Where(r => OpenApiDocuments.PathOf(r.Group, r.Version) == path))
        {
            if (r.IsVirtual)
            {
                // Create-only review kinds: one POST, no patch.
                Assert.Contains(doc["paths"]!.AsObject(), kv => kv.Value!["post"]?["x-kubernetes-group-version-kind"]?["kind"]?.GetValue<string>() == r.Kind);
                continue;
            }
            var patches = doc["paths"]!.AsObject().Select(kv => kv.Value!["patch"]).OfType<JsonObject>()
                .Where(op => op["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>() == r.Kind).ToList();
            var patch = Assert.Single(patches);
            Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
            Assert.Contains(schemas, kv => kv.Value!["x-kubernetes-group-version-kind"] is JsonArray gvks
                && gvks.Any(g => g!["kind"]!.GetValue<string>() == r.Kind && g["group"]!.GetValue<string>() == r.Group));
        }
    }

    [Fact]
    public void RootListsEveryGroupVersionWithTheDocumentsHash()
    {
        var root = Documents.Root()["paths"]!.AsObject();
        var expected = ResourceRegistry.Builtin.Resources.Select(r => OpenApiDocuments.PathOf(r.Group, r.Version)).Distinct().Order();
        Assert.Equal(expected, root.Select(kv => kv.Key).Order());
        var url = root["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>();
        Assert.Equal($"/openapi/v3/apis/apps/v1?hash={Documents.Document("apis/apps/v1")!.Value.Hash}", url);
        Assert.Null(Documents.Document("apis/nope/v1"));
    }

    [Fact]
    public async Task ServesImmutableWhenTheHashMatchesAndNotModifiedOnETag()
    {
        var hash = Documents.Document("apis/batch/v1")!.Value.Hash;
        var hit = new DefaultHttpContext { Request = { QueryString = new QueryString($"?hash={hash}") }, Response = { Body = new MemoryStream() } };
        Assert.True(await Documents.WriteAsync(hit, "apis/batch/v1"));
        Assert.Equal(200, hit.Response.StatusCode);
        Assert.Equal("public, immutable", hit.Response.Headers.CacheControl.ToString());
        Assert.Equal($"\"{hash}\"", hit.Response.Headers.ETag.ToString());
        Assert.True(hit.Response.Body.Length > 0);

        var revalidate = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        revalidate.Request.Headers.IfNoneMatch = $"\"{hash}\"";
        Assert.True(await Documents.WriteAsync(revalidate, "apis/batch/v1"));
        Assert.Equal(304, revalidate.Response.StatusCode);
        Assert.NotEqual("public, immutable", revalidate.Response.Headers.CacheControl.ToString());
        Assert.Equal(0, revalidate.Response.Body.Length);

        Assert.False(await Documents.WriteAsync(new DefaultHttpContext(), "apis/nope/v1"));
    }
}
