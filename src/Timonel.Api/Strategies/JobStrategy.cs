using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>
/// batch/v1 Job: one completion, six retries, and (unless the client chose its own selector)
/// a selector on the job's uid with the same labels stamped on the template.
/// </summary>
public sealed class JobStrategy : IKindStrategy
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyJobNameLabel = "job-name";

    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        DefaultSpec(spec);
        GenerateSelector(obj, spec);
        PodSpecDefaults.ApplyToTemplate(Json.Child(spec, "template"));
    }

    private static void DefaultSpec(JsonObject spec)
    {
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
        }
        Json.SetDefault(spec, "parallelism", 1);
        // Per-index retry limits replace the job-wide one.
        Json.SetDefault(spec, "backoffLimit", spec["backoffLimitPerIndex"] is null ? 6 : int.MaxValue);
        Json.SetDefault(spec, "completionMode", "NonIndexed");
        Json.SetDefault(spec, "suspend", false);
        Json.SetDefault(spec, "podReplacementPolicy", spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed");
        Json.SetDefault(spec, "manualSelector", false);
    }

    /// <summary>Pods find their job by its uid, which no other object shares.</summary>
    private static void GenerateSelector(JsonObject obj, JsonObject spec)
    {
        if (Json.Bool(spec, "manualSelector") == true || spec["selector"] is not null) return;
        var meta = Json.Obj(obj, "metadata");
        var uid = Json.Str(meta, "uid");
        var name = Json.Str(meta, "name");
        if (string.IsNullOrEmpty(uid) || name is null) return;
        var labels = Json.Child(Json.Child(Json.Child(spec, "template"), "metadata"), "labels");
        labels[LegacyControllerUidLabel] = uid;
        labels[ControllerUidLabel] = uid;
        labels[LegacyJobNameLabel] = name;
        labels[JobNameLabel] = name;
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ControllerUidLabel] = uid } };
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        ValidateSpec(spec, "spec", causes);
        if (old is not null)
        {
            WorkloadChecks.SelectorImmutable(spec, old, causes);
            // The pods a job already ran came from this template; a suspended job has none running yet.
            var oldSpec = Json.Obj(old, "spec");
            if (Json.Bool(oldSpec, "suspend") != true && !JsonNode.DeepEquals(Json.Obj(spec, "template"), Json.Obj(oldSpec, "template")))
            {
                causes.Add(FieldErrors.Invalid("spec.template", Json.Obj(spec, "template")?.DeepClone(), "field is immutable"));
            }
            var completionMode = Json.Str(spec, "completionMode");
            if (completionMode != Json.Str(Json.Obj(old, "spec"), "completionMode"))
            {
                causes.Add(FieldErrors.Invalid("spec.completionMode", completionMode ?? "", "field is immutable"));
            }
        }
        return causes;
    }

    /// <summary>Checks shared with a CronJob's job template; <paramref name="path"/> is where the JobSpec sits.</summary>
    public static void ValidateSpec(JsonObject spec, string path, List<ErrorCause> causes)
    {
        foreach (var field in new[] { "parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished" })
        {
            var min = field == "activeDeadlineSeconds" ? 1 : 0;
            if (Json.Int(spec, field) is { } n && n < min)
            {
                causes.Add(FieldErrors.Invalid($"{path}.{field}", n, min == 0 ? "must be greater than or equal to 0" : "must be greater than 0"));
            }
        }
        if (spec["completionMode"] is { } mode && Json.Str(spec, "completionMode") is not ("NonIndexed" or "Indexed"))
        {
            causes.Add(FieldErrors.NotSupported($"{path}.completionMode", mode, "NonIndexed", "Indexed"));
        }
        var template = Json.Obj(spec, "template");
        if (template is null)
        {
            causes.Add(FieldErrors.Required($"{path}.template"));
            return;
        }
        var podSpec = Json.Obj(template, "spec");
        PodSpecValidation.Validate(podSpec, $"{path}.template.spec", causes);
        // A job's pods end; a pod that restarts forever would never complete it.
        if (Json.Str(podSpec, "restartPolicy") is not ("OnFailure" or "Never"))
        {
            causes.Add(FieldErrors.NotSupported($"{path}.template.spec.restartPolicy", podSpec?["restartPolicy"]?.DeepClone() ?? JsonValue.Create(""), "OnFailure", "Never"));
        }
        if (Json.Obj(spec, "selector") is { } selector)
        {
            var parsed = WorkloadChecks.Selector(selector);
            var labels = Json.Obj(Json.Obj(template, "metadata"), "labels");
            if (parsed is not null && !parsed.IsEmpty && !parsed.Matches(labels))
            {
                causes.Add(new(CauseReasons.Invalid, $"Invalid value: {WorkloadChecks.LabelsJson(labels)}: {WorkloadChecks.SelectorMismatch}", $"{path}.template.metadata.labels"));
            }
        }
        else if (path == "spec")
        {
            causes.Add(FieldErrors.Required("spec.selector"));
        }
    }
}
