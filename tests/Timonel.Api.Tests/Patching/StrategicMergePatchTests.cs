using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

public class StrategicMergePatchTests
{
    private static readonly PatchSchema DeploymentSchema = PatchSchema.For<V1Deployment>();

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"web","namespace":"default","finalizers":["a","b","c"],
           "labels":{"app":"web","tier":"front"},
           "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
           "template":{"metadata":{"labels":{"app":"web"}},"spec":{
             "containers":[
               {"name":"nginx","image":"nginx:1.25","args":["-g","daemon off;"],
                "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                "ports":[{"containerPort":80,"protocol":"TCP"}]},
               {"name":"side","image":"busybox","command":["sleep","3600"]}],
             "tolerations":[{"key":"k1","operator":"Exists"}],
             "volumes":[{"name":"data","emptyDir":{}}]}}}}
        """;

    private static JsonNode Patch(string patch) =>
        JsonAssert.Succeeds(StrategicMergePatch.Apply(JsonAssert.Parse(Deployment), JsonAssert.Parse(patch), DeploymentSchema));

    private static JsonNode? PodSpec(JsonNode deployment) => deployment["spec"]!["template"]!["spec"];

    [Fact]
    public void Real_kubectl_client_side_apply_body_bumps_image_swaps_env_and_drops_sidecar()
    {
        // Body captured from kubectl v1.35 `apply` (see kubectl-wire-facts.md, "apply (client-side)").
        var result = Patch("""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new\n"}},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],
               "containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"C"}],
                 "env":[{"name":"C","value":"3"},{"$patch":"delete","name":"B"}],
                 "image":"nginx:1.26","name":"nginx"},{"$patch":"delete","name":"side"}]}}}}
            """);

        var containers = PodSpec(result)!["containers"]!.AsArray();
        var nginx = Assert.Single(containers)!;
        Assert.Equal("nginx", (string?)nginx["name"]);
        Assert.Equal("nginx:1.26", (string?)nginx["image"]);
        JsonAssert.Equal("""[{"name":"A","value":"1"},{"name":"C","value":"3"}]""", nginx["env"]);
        JsonAssert.Equal("""[{"containerPort":80,"protocol":"TCP"}]""", nginx["ports"]);
        JsonAssert.Equal("""["-g","daemon off;"]""", nginx["args"]);
        Assert.Equal("new\n", (string?)result["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
        Assert.Equal(2, (int?)result["spec"]!["replicas"]);
        Assert.DoesNotContain("$", result.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RetainKeys_switching_to_Recreate_drops_rollingUpdate()
    {
        // kubectl sends rollingUpdate:null too; $retainKeys alone must be enough.
        var withNull = Patch("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}""");
        var withoutNull = Patch("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""");

        JsonAssert.Equal("""{"type":"Recreate"}""", withNull["spec"]!["strategy"]);
        JsonAssert.Equal("""{"type":"Recreate"}""", withoutNull["spec"]!["strategy"]);
    }

    [Fact]
    public void Without_retainKeys_strategy_map_merges()
    {
        var result = Patch("""{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1}}}}""");
        JsonAssert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":"25%"}}""", result["spec"]!["strategy"]);
    }

    public static TheoryData<string, string> FinalizerCases => new()
    {
        { """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""", """["a","c"]""" },
        { """{"metadata":{"finalizers":["c","d"]}}""", """["a","b","c","d"]""" },
        { """{"metadata":{"finalizers":["z"],"$deleteFromPrimitiveList/finalizers":["a"]}}""", """["z","b","c"]""" },
        { """{"metadata":{"$setElementOrder/finalizers":["c","b","a"]}}""", """["c","b","a"]""" },
        { """{"metadata":{"finalizers":null}}""", "null" },
    };

    [Theory]
    [MemberData(nameof(FinalizerCases))]
    public void Finalizers_merge_as_a_set(string patch, string expected)
    {
        JsonAssert.Equal(expected, Patch(patch)["metadata"]!["finalizers"]);
    }

    [Fact]
    public void Patch_replace_directive_replaces_a_map()
    {
        var result = Patch("""{"metadata":{"labels":{"$patch":"replace","owner":"team-a"}}}""");
        JsonAssert.Equal("""{"owner":"team-a"}""", result["metadata"]!["labels"]);
    }

    [Fact]
    public void Patch_delete_directive_empties_a_map_and_replace_item_replaces_a_keyed_list()
    {
        var emptied = Patch("""{"metadata":{"labels":{"$patch":"delete"}}}""");
        var replaced = Patch("""{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}""");

        JsonAssert.Equal("{}", emptied["metadata"]!["labels"]);
        JsonAssert.Equal("""[{"name":"only","image":"x"}]""", PodSpec(replaced)!["containers"]);
    }

    [Fact]
    public void Keyed_lists_merge_by_key_and_untagged_lists_are_replaced()
    {
        var result = Patch("""
            {"spec":{"template":{"spec":{
              "containers":[{"name":"side","image":"busybox:2"},{"name":"new","image":"n"}],
              "tolerations":[{"key":"k2","operator":"Exists"}],
              "volumes":[{"name":"cache","emptyDir":{}}]}}}}
            """);
        var spec = PodSpec(result)!;

        Assert.Equal(["nginx", "side", "new"], spec["containers"]!.AsArray().Select(c => (string?)c!["name"]));
        Assert.Equal("nginx:1.25", (string?)spec["containers"]![0]!["image"]);
        Assert.Equal("busybox:2", (string?)spec["containers"]![1]!["image"]);
        JsonAssert.Equal("""["sleep","3600"]""", spec["containers"]![1]!["command"]);
        JsonAssert.Equal("""[{"key":"k2","operator":"Exists"}]""", spec["tolerations"]);
        // Upstream puts a patch item that the server does not know before server-only items.
        Assert.Equal(["cache", "data"], spec["volumes"]!.AsArray().Select(v => (string?)v!["name"]));
    }

    [Fact]
    public void Null_deletes_fields_and_container_args_are_replaced_whole()
    {
        var result = Patch("""{"metadata":{"labels":{"tier":null}},"spec":{"template":{"spec":{"containers":[{"name":"nginx","args":["x"]}]}}}}""");

        JsonAssert.Equal("""{"app":"web"}""", result["metadata"]!["labels"]);
        JsonAssert.Equal("""["x"]""", PodSpec(result)!["containers"]![0]!["args"]);
    }

    [Fact]
    public void Patch_list_order_puts_new_items_where_the_patch_puts_them()
    {
        // Upstream: patch order wins among patch items; server-only items keep their position.
        var result = Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"first","image":"f"},{"name":"nginx","image":"nginx:2"}]}}}}""");
        Assert.Equal(["first", "nginx", "side"], PodSpec(result)!["containers"]!.AsArray().Select(c => (string?)c!["name"]));
    }

    [Fact]
    public void Service_ports_merge_by_port()
    {
        var service = JsonAssert.Parse("""{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443,"targetPort":8443}]}}""");
        var patch = JsonAssert.Parse("""{"spec":{"ports":[{"port":443,"targetPort":9443},{"port":53,"protocol":"UDP"}]}}""");

        var result = JsonAssert.Succeeds(StrategicMergePatch.Apply(service, patch, PatchSchema.For<V1Service>()));

        JsonAssert.Equal("""[{"port":80,"targetPort":8080},{"port":443,"targetPort":9443},{"port":53,"protocol":"UDP"}]""", result["spec"]!["ports"]);
    }

    [Fact]
    public void Unknown_kinds_replace_lists_like_a_merge_patch()
    {
        var schema = PatchSchema.ForKind("example.com/v1", "Widget");
        var widget = JsonAssert.Parse("""{"spec":{"items":[{"name":"a","v":1}],"size":1}}""");

        var result = JsonAssert.Succeeds(StrategicMergePatch.Apply(widget, JsonAssert.Parse("""{"spec":{"items":[{"name":"b"}]}}"""), schema));

        Assert.False(schema.IsTyped);
        JsonAssert.Equal("""{"spec":{"items":[{"name":"b"}],"size":1}}""", result);
    }

    [Fact]
    public void Kind_lookup_finds_built_in_models()
    {
        Assert.Equal(typeof(V1Deployment), PatchSchema.ForKind("apps/v1", "Deployment").ModelType);
        Assert.Equal(typeof(V1Pod), PatchSchema.ForKind("v1", "Pod").ModelType);
        var containers = PatchSchema.For<V1PodSpec>().Field("containers");
        Assert.Equal((ListMergeStrategy.MergeByKey, "name"), (containers.ListStrategy, containers.MergeKey));
        Assert.Equal(ListMergeStrategy.Replace, PatchSchema.For<V1PodSpec>().Field("tolerations").ListStrategy);
        Assert.Equal("containerPort", containers.Schema.Field("ports").MergeKey);
    }

    public static TheoryData<string, PatchFailureKind> Malformed => new()
    {
        { """{"metadata":{"labels":{"$patch":"bogus"}}}""", PatchFailureKind.BadRequest },
        { """{"spec":{"strategy":{"$retainKeys":"type"}}}""", PatchFailureKind.BadRequest },
        { """{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}""", PatchFailureKind.BadRequest },
        { """{"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}}""", PatchFailureKind.BadRequest },
        { """{"spec":{"template":{"spec":{"containers":[{"image":"no-name"}]}}}}""", PatchFailureKind.BadRequest },
        { """{"metadata":{"$setElementOrder/finalizers":"a"}}""", PatchFailureKind.BadRequest },
        { """{"spec":{"template":{"spec":{"containers":[["nested"]]}}}}""", PatchFailureKind.Unprocessable },
        { """[1]""", PatchFailureKind.BadRequest },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_patches_fail_with_a_status_kind(string patch, PatchFailureKind kind)
    {
        JsonAssert.Fails(StrategicMergePatch.Apply(JsonAssert.Parse(Deployment), JsonAssert.Parse(patch), DeploymentSchema), kind);
    }

    [Fact]
    public void Inputs_are_not_modified()
    {
        var original = JsonAssert.Parse(Deployment);
        var patchText = """{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}""";
        var patch = JsonAssert.Parse(patchText);

        JsonAssert.Succeeds(StrategicMergePatch.Apply(original, patch, DeploymentSchema));

        JsonAssert.Equal(Deployment, original);
        JsonAssert.Equal(patchText, patch);
    }
}
