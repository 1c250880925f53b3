using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

public class ServerSideApplyTests
{
    private static readonly PatchSchema Schema = PatchSchema.ForKind("apps/v1", "Deployment");
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private const string Config = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web, extra: "yes"}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports: [{containerPort: 80}]
              - name: side
                image: busybox
        """;

    private static ApplyRequest As(string manager, int minutes = 0, bool force = false) =>
        new(manager, Schema, "apps/v1", T0.AddMinutes(minutes)) { Force = force };

    private static JsonObject Body(string yaml) => (JsonObject)JsonAssert.Succeeds(ApplyBody.Parse(yaml));

    private static JsonObject Apply(JsonObject? live, string yaml, ApplyRequest request) =>
        (JsonObject)JsonAssert.Succeeds(ServerSideApply.Apply(live, Body(yaml), request));

    private static JsonObject Owned(JsonObject obj, string manager) =>
        (JsonObject)ManagedFields.Read(obj).Single(e => e.Manager == manager).Fields.ToJson();

    [Fact]
    public void Apply_creates_the_object_and_records_the_managers_fields()
    {
        var created = Apply(null, Config, As("kubectl"));

        Assert.Equal(2, (int?)created["spec"]!["replicas"]);
        Assert.Equal("nginx:1.25", (string?)created["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        var entry = Assert.Single(created["metadata"]!["managedFields"]!.AsArray())!;
        Assert.Equal("kubectl", (string?)entry["manager"]);
        Assert.Equal("Apply", (string?)entry["operation"]);
        Assert.Equal("apps/v1", (string?)entry["apiVersion"]);
        Assert.Equal("2025-03-01T12:00:00Z", (string?)entry["time"]);
        Assert.Equal("FieldsV1", (string?)entry["fieldsType"]);
        var fields = entry["fieldsV1"]!;
        JsonAssert.Equal("{}", fields["f:spec"]!["f:replicas"]);
        JsonAssert.Equal("""{"f:app":{},"f:extra":{}}""", fields["f:metadata"]!["f:labels"]);
        Assert.Null(fields["f:metadata"]!["f:name"]);
        Assert.Null(fields["f:apiVersion"]);
        var nginx = fields["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["""k:{"name":"nginx"}"""]!;
        JsonAssert.Equal("""{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80}":{".":{},"f:containerPort":{}}}}""", nginx);
    }

    [Fact]
    public void Reapplying_the_same_configuration_changes_nothing()
    {
        var created = Apply(null, Config, As("kubectl"));

        var again = Apply(created, Config, As("kubectl", minutes: 5));

        Assert.True(JsonNode.DeepEquals(created, again), again.ToJsonString());
    }

    [Fact]
    public void Apply_without_a_field_removes_it()
    {
        var created = Apply(null, Config, As("kubectl"));
        var smaller = Config.Replace(", extra: \"yes\"", "", StringComparison.Ordinal)
            .Replace("  replicas: 2\n", "", StringComparison.Ordinal)
            .Replace("\n      - name: side\n        image: busybox", "", StringComparison.Ordinal);
        Assert.DoesNotContain("side", smaller, StringComparison.Ordinal);

        var result = Apply(created, smaller, As("kubectl", minutes: 1));

        JsonAssert.Equal("""{"app":"web"}""", result["metadata"]!["labels"]);
        Assert.Null(result["spec"]!["replicas"]);
        Assert.Equal(["nginx"], result["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => (string?)c!["name"]));
        var entry = ManagedFields.Read(result).Single();
        Assert.Equal("2025-03-01T12:01:00Z", entry.Time);
        Assert.False(entry.Fields.Contains(["f:spec", "f:replicas"]));
    }

    [Fact]
    public void Two_managers_setting_one_field_differently_conflict()
    {
        var created = Apply(null, Config, As("kubectl"));

        var outcome = ServerSideApply.Apply(created, Body("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}"""), As("helm"));

        var failure = JsonAssert.Fails(outcome, PatchFailureKind.Conflict);
        Assert.Equal(409, failure.HttpStatus);
        var conflict = Assert.Single(failure.Conflicts);
        Assert.Equal(".spec.replicas", conflict.Field);
        Assert.Equal("conflict with \"kubectl\"", conflict.CauseMessage);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas", failure.Message);
    }

    [Fact]
    public void Same_value_is_shared_ownership_and_survives_when_one_manager_drops_it()
    {
        var created = Apply(null, Config, As("kubectl"));
        var shared = Apply(created, """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}""", As("helm"));
        var dropped = Config.Replace("  replicas: 2\n", "", StringComparison.Ordinal);

        var result = Apply(shared, dropped, As("kubectl", minutes: 1));

        Assert.Equal(2, (int?)result["spec"]!["replicas"]);
        JsonAssert.Equal("""{"f:spec":{"f:replicas":{}}}""", Owned(result, "helm"));
    }

    [Fact]
    public void Force_takes_ownership_of_conflicting_fields()
    {
        var created = Apply(null, Config, As("kubectl"));

        var result = Apply(created, """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}""", As("helm", force: true));

        Assert.Equal(3, (int?)result["spec"]!["replicas"]);
        Assert.Null(Owned(result, "kubectl")["f:spec"]!["f:replicas"]);
        JsonAssert.Equal("""{"f:spec":{"f:replicas":{}}}""", Owned(result, "helm"));
    }

    [Fact]
    public void An_update_takes_ownership_and_a_later_apply_conflicts_with_it()
    {
        var created = Apply(null, Config, As("kubectl"));
        var scaled = (JsonObject)JsonAssert.Succeeds(MergePatch.Apply(created, JsonAssert.Parse("""{"spec":{"replicas":5}}""")));

        var updated = ManagedFieldsTracker.RecordUpdate(created, scaled, new UpdateRequest("kubectl-scale", Schema, "apps/v1", T0.AddMinutes(2)));

        var scaler = ManagedFields.Read(updated).Single(e => e.Manager == "kubectl-scale");
        Assert.Equal(("Update", "2025-03-01T12:02:00Z"), (scaler.Operation, scaler.Time));
        JsonAssert.Equal("""{"f:spec":{"f:replicas":{}}}""", scaler.Fields.ToJson());
        Assert.Null(Owned(updated, "kubectl")["f:spec"]!["f:replicas"]);

        var reapply = ServerSideApply.Apply(updated, Body(Config), As("kubectl", minutes: 3));
        var failure = JsonAssert.Fails(reapply, PatchFailureKind.Conflict);
        Assert.Equal("conflict with \"kubectl-scale\" using apps/v1", Assert.Single(failure.Conflicts).CauseMessage);
    }

    [Fact]
    public void Create_records_an_update_entry_for_every_field_but_identity()
    {
        var deployment = (JsonObject)JsonAssert.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","uid":"u1","finalizers":["x"]},
             "spec":{"replicas":1},"status":{"replicas":0}}
            """);

        var stored = ManagedFieldsTracker.RecordUpdate(null, deployment, new UpdateRequest("kubectl-create", Schema, "apps/v1", T0));

        // Status is left to the status subresource; uid and name are identity, never owned.
        JsonAssert.Equal("""{"f:metadata":{"f:finalizers":{"v:\"x\"":{}}},"f:spec":{"f:replicas":{}}}""", Owned(stored, "kubectl-create"));
        Assert.Equal("web", (string?)stored["metadata"]!["name"]);
    }

    [Fact]
    public void Update_that_removes_a_field_removes_it_from_every_manager()
    {
        var created = Apply(null, Config, As("kubectl"));
        var edited = (JsonObject)created.DeepClone();
        ((JsonObject)edited["metadata"]!["labels"]!).Remove("extra");

        var updated = ManagedFieldsTracker.RecordUpdate(created, edited, new UpdateRequest("kubectl-edit", Schema, "apps/v1", T0));

        Assert.False(ManagedFields.Read(updated).Single(e => e.Manager == "kubectl").Fields.Contains(["f:metadata", "f:labels", "f:extra"]));
        Assert.DoesNotContain(ManagedFields.Read(updated), e => e.Manager == "kubectl-edit");
    }

    [Fact]
    public void Field_sets_round_trip_upstream_fieldsV1()
    {
        const string upstream = """{"f:metadata":{"f:finalizers":{"v:\"a\"":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}""";

        var set = FieldSet.Parse((JsonObject)JsonAssert.Parse(upstream));

        JsonAssert.Equal(upstream, set.ToJson());
        Assert.True(set.Contains(["f:spec", "f:containers", """k:{"name":"c"}"""]));
        Assert.Equal(".spec.containers[name=\"c\"].image", FieldSet.Describe(["f:spec", "f:containers", """k:{"name":"c"}""", "f:image"]));
        Assert.False(set.Contains(["f:spec"]));
    }

    [Fact]
    public void Pod_schema_field_set_uses_merge_keys()
    {
        var pod = (JsonObject)JsonAssert.Parse("""{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"}],"args":["x","y"]}],"tolerations":[{"key":"k"}]}}""");

        var set = ServerSideApply.FieldsOf(pod, PatchSchema.For<V1Pod>());

        Assert.True(set.Contains(["f:spec", "f:containers", """k:{"name":"c"}""", "f:env", """k:{"name":"A"}""", "f:value"]));
        Assert.True(set.Contains(["f:spec", "f:containers", """k:{"name":"c"}""", "f:args"]));
        Assert.True(set.Contains(["f:spec", "f:tolerations"]));
    }
}
