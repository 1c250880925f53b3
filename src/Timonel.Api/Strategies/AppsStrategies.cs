using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>apps/v1 Deployment: one replica, rolling updates of 25%/25%, ten old ReplicaSets kept.</summary>
public sealed class DeploymentStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        Json.SetDefault(spec, "replicas", 1);
        var strategy = Json.Child(spec, "strategy");
        Json.SetDefault(strategy, "type", "RollingUpdate");
        if (Json.Str(strategy, "type") == "RollingUpdate")
        {
            var rolling = Json.Child(strategy, "rollingUpdate");
            Json.SetDefault(rolling, "maxUnavailable", "25%");
            Json.SetDefault(rolling, "maxSurge", "25%");
        }
        Json.SetDefault(spec, "revisionHistoryLimit", 10);
        Json.SetDefault(spec, "progressDeadlineSeconds", 600);
        PodSpecDefaults.ApplyToTemplate(Json.Child(spec, "template"));
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        WorkloadChecks.Replicas(spec, causes);
        WorkloadChecks.SelectorAndTemplate(spec, "deployment", causes);
        WorkloadChecks.RestartAlways(spec, causes);
        WorkloadChecks.NonNegative(spec, "revisionHistoryLimit", causes);
        var type = Json.Obj(spec, "strategy")?["type"];
        if (type is not null && Json.Str(Json.Obj(spec, "strategy"), "type") is not ("RollingUpdate" or "Recreate"))
        {
            causes.Add(FieldErrors.NotSupported("spec.strategy.type", type, "Recreate", "RollingUpdate"));
        }
        RollingUpdate(Json.Obj(spec, "strategy"), causes);
        WorkloadChecks.SelectorImmutable(spec, old, causes);
        return causes;
    }

    /// <summary>A rollout must be able to make progress: it may not both keep every old pod and add none.</summary>
    private static void RollingUpdate(JsonObject? strategy, List<ErrorCause> causes)
    {
        var rolling = Json.Obj(strategy, "rollingUpdate");
        if (rolling is null) return;
        if (Json.Str(strategy, "type") == "Recreate")
        {
            causes.Add(FieldErrors.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
            return;
        }
        foreach (var field in new[] { "maxUnavailable", "maxSurge" })
        {
            PodDisruptionBudgetStrategy.IntOrPercent(rolling[field], $"spec.strategy.rollingUpdate.{field}", causes);
        }
        if (IsZero(rolling["maxUnavailable"]) && IsZero(rolling["maxSurge"]))
        {
            causes.Add(FieldErrors.Invalid("spec.strategy.rollingUpdate.maxUnavailable", rolling["maxUnavailable"]?.DeepClone(), "may not be 0 when `maxSurge` is 0"));
        }
    }

    private static bool IsZero(JsonNode? value) =>
        value is JsonValue v && ((v.TryGetValue<long>(out var n) && n == 0) || (v.TryGetValue<string>(out var s) && s is "0" or "0%"));
}

/// <summary>
/// apps/v1 ReplicaSet and core/v1 ReplicationController: one replica by default.
/// <paramref name="kindForMessage"/> names the kind in the empty-selector message; upstream says "deployment" for ReplicaSets too.
/// </summary>
public sealed class ReplicaSetStrategy(string kindForMessage, bool selectorRequired) : IKindStrategy
{
    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        Json.SetDefault(spec, "replicas", 1);
        if (spec["template"] is JsonObject template)
        {
            PodSpecDefaults.ApplyToTemplate(template);
            // A ReplicationController without a selector selects its template's labels.
            if (!selectorRequired && spec["selector"] is null && Json.Obj(Json.Obj(template, "metadata"), "labels") is { } labels)
            {
                spec["selector"] = labels.DeepClone();
            }
        }
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        WorkloadChecks.Replicas(spec, causes);
        if (selectorRequired)
        {
            WorkloadChecks.SelectorAndTemplate(spec, kindForMessage, causes);
            WorkloadChecks.SelectorImmutable(spec, old, causes);
        }
        else if (Json.Obj(spec, "template") is { } template)
        {
            // The controller's selector is a plain label map.
            var selector = Json.Obj(spec, "selector") ?? [];
            var labels = Json.Obj(Json.Obj(template, "metadata"), "labels");
            if (selector.Any(p => Json.Str(labels, p.Key) != Json.Str(selector, p.Key)))
            {
                causes.Add(new(CauseReasons.Invalid, $"Invalid value: {WorkloadChecks.LabelsJson(labels)}: {WorkloadChecks.SelectorMismatch}", "spec.template.metadata.labels"));
            }
            PodSpecValidation.Validate(Json.Obj(template, "spec"), "spec.template.spec", causes);
        }
        WorkloadChecks.RestartAlways(spec, causes);
        return causes;
    }
}

/// <summary>apps/v1 DaemonSet: rolling updates one node at a time, without surge.</summary>
public sealed class DaemonSetStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        var strategy = Json.Child(spec, "updateStrategy");
        Json.SetDefault(strategy, "type", "RollingUpdate");
        if (Json.Str(strategy, "type") == "RollingUpdate")
        {
            var rolling = Json.Child(strategy, "rollingUpdate");
            Json.SetDefault(rolling, "maxUnavailable", 1);
            Json.SetDefault(rolling, "maxSurge", 0);
        }
        Json.SetDefault(spec, "revisionHistoryLimit", 10);
        PodSpecDefaults.ApplyToTemplate(Json.Child(spec, "template"));
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        WorkloadChecks.SelectorAndTemplate(spec, "daemonset", causes);
        WorkloadChecks.RestartAlways(spec, causes);
        var type = Json.Obj(spec, "updateStrategy")?["type"];
        if (type is not null && Json.Str(Json.Obj(spec, "updateStrategy"), "type") is not ("RollingUpdate" or "OnDelete"))
        {
            causes.Add(FieldErrors.NotSupported("spec.updateStrategy.type", type, "OnDelete", "RollingUpdate"));
        }
        WorkloadChecks.SelectorImmutable(spec, old, causes);
        return causes;
    }
}

/// <summary>apps/v1 StatefulSet: ordered pod management, rolling updates from partition 0, PVCs retained.</summary>
public sealed class StatefulSetStrategy : IKindStrategy
{
    public const string UpdatableFieldsMessage =
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    private static readonly string[] UpdatableFields =
        ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

    /// <summary>The identity of a StatefulSet's pods and volumes (service, selector, claim templates) is fixed.</summary>
    private static bool OnlyUpdatableChanged(JsonObject spec, JsonObject oldSpec)
    {
        var fixedNew = new JsonObject();
        var fixedOld = new JsonObject();
        foreach (var (k, v) in spec) if (!UpdatableFields.Contains(k)) fixedNew[k] = v?.DeepClone();
        foreach (var (k, v) in oldSpec) if (!UpdatableFields.Contains(k)) fixedOld[k] = v?.DeepClone();
        return JsonNode.DeepEquals(fixedNew, fixedOld);
    }

    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        Json.SetDefault(spec, "replicas", 1);
        Json.SetDefault(spec, "podManagementPolicy", "OrderedReady");
        var strategy = Json.Child(spec, "updateStrategy");
        Json.SetDefault(strategy, "type", "RollingUpdate");
        if (Json.Str(strategy, "type") == "RollingUpdate")
        {
            Json.SetDefault(Json.Child(strategy, "rollingUpdate"), "partition", 0);
        }
        Json.SetDefault(spec, "revisionHistoryLimit", 10);
        var retention = Json.Child(spec, "persistentVolumeClaimRetentionPolicy");
        Json.SetDefault(retention, "whenDeleted", "Retain");
        Json.SetDefault(retention, "whenScaled", "Retain");
        PodSpecDefaults.ApplyToTemplate(Json.Child(spec, "template"));
        foreach (var (claim, _) in Json.Items(spec, "volumeClaimTemplates"))
        {
            Json.SetDefault(Json.Child(claim, "spec"), "volumeMode", "Filesystem");
        }
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        WorkloadChecks.Replicas(spec, causes);
        // Each pod gets a volume per claim template, so the template's containers may mount those.
        var claims = Json.Items(spec, "volumeClaimTemplates").Select(c => Json.Str(Json.Obj(c.Item, "metadata"), "name")).OfType<string>();
        WorkloadChecks.SelectorAndTemplate(spec, "statefulset", causes, claimVolumes: claims);
        WorkloadChecks.RestartAlways(spec, causes);
        var policy = spec["podManagementPolicy"];
        if (policy is not null && Json.Str(spec, "podManagementPolicy") is not ("OrderedReady" or "Parallel"))
        {
            causes.Add(FieldErrors.NotSupported("spec.podManagementPolicy", policy, "OrderedReady", "Parallel"));
        }
        if (old is not null && !OnlyUpdatableChanged(spec, Json.Obj(old, "spec") ?? []))
        {
            causes.Add(FieldErrors.Forbidden("spec", UpdatableFieldsMessage));
        }
        return causes;
    }
}
