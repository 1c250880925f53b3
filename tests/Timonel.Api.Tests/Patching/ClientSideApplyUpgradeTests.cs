using System.Text.Json.Nodes;
using Timonel.Api.Patching;

namespace Timonel.Api.Tests.Patching;

/// <summary>
/// `kubectl apply --server-side` on an object that `kubectl apply` (client-side) made: the fields
/// the last-applied annotation names pass to "kubectl" without a conflict, as upstream's.
/// </summary>
public class ClientSideApplyUpgradeTests
{
    private static readonly PatchSchema Schema = PatchSchema.ForKind("v1", "ConfigMap");
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The object as client-side apply leaves it: annotation plus an Update entry.</summary>
    private static JsonObject ClientSideApplied(string data)
    {
        var lastApplied = $$$"""{"apiVersion":"v1","data":{{{data}}},"kind":"ConfigMap","metadata":{"annotations":{},"name":"cfg","namespace":"ns"}}""";
        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = "cfg",
                ["namespace"] = "ns",
                ["annotations"] = new JsonObject { [ClientSideApplyUpgrade.LastAppliedAnnotation] = lastApplied + "\n" },
            },
            ["data"] = JsonNode.Parse(data),
        };
        return ManagedFieldsTracker.RecordUpdate(null, obj, new UpdateRequest("kubectl-client-side-apply", Schema, "v1", T0));
    }

    private static PatchOutcome ServerSide(JsonObject live, string manager, string data) =>
        ServerSideApply.Apply(live, (JsonObject)JsonNode.Parse($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"ns"},"data":{{{data}}}}""")!,
            new ApplyRequest(manager, Schema, "v1", T0.AddMinutes(1)));

    [Fact]
    public void Kubectl_takes_over_the_fields_client_side_apply_wrote_even_with_a_new_value()
    {
        var live = ClientSideApplied("""{"a":"1","b":"2"}""");

        var applied = (JsonObject)JsonAssert.Succeeds(ServerSide(live, "kubectl", """{"a":"9","b":"2"}"""));

        Assert.Equal("9", (string?)applied["data"]!["a"]);
        var kubectl = ManagedFields.Read(applied).Single(e => e.Manager == "kubectl");
        JsonAssert.Equal("""{"f:a":{},"f:b":{}}""", kubectl.Fields.ToJson()["f:data"]);
        // The changed field moves; the unchanged one is shared, as with a forced apply.
        var old = ManagedFields.Read(applied).Single(e => e.Manager == "kubectl-client-side-apply");
        JsonAssert.Equal("""{"f:b":{}}""", old.Fields.ToJson()["f:data"]);
    }

    [Fact]
    public void A_field_changed_since_the_last_client_side_apply_still_conflicts()
    {
        var applied = ClientSideApplied("""{"a":"1"}""");
        // kubectl edit moved a away from the annotation's value: the annotation no longer speaks for it.
        var edited = (JsonObject)applied.DeepClone();
        edited["data"]!["a"] = "5";
        var live = ManagedFieldsTracker.RecordUpdate(applied, edited, new UpdateRequest("kubectl-edit", Schema, "v1", T0));

        var failure = JsonAssert.Fails(ServerSide(live, "kubectl", """{"a":"9"}"""), PatchFailureKind.Conflict);

        var conflict = Assert.Single(failure.Conflicts);
        Assert.Equal(".data.a", conflict.Field);
        Assert.Contains("kubectl-edit", conflict.CauseMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_field_manager_gets_the_conflict()
    {
        var live = ClientSideApplied("""{"a":"1"}""");

        var failure = JsonAssert.Fails(ServerSide(live, "helm", """{"a":"9"}"""), PatchFailureKind.Conflict);

        Assert.Contains("kubectl-client-side-apply", Assert.Single(failure.Conflicts).CauseMessage, StringComparison.Ordinal);
    }
}
