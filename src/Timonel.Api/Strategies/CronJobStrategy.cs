using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>batch/v1 CronJob: concurrent runs allowed, three successful and one failed job kept.</summary>
public sealed class CronJobStrategy : IKindStrategy
{
    public void Default(JsonObject obj)
    {
        var spec = Json.Child(obj, "spec");
        Json.SetDefault(spec, "concurrencyPolicy", "Allow");
        Json.SetDefault(spec, "suspend", false);
        Json.SetDefault(spec, "successfulJobsHistoryLimit", 3);
        Json.SetDefault(spec, "failedJobsHistoryLimit", 1);
        var jobSpec = Json.Child(Json.Child(spec, "jobTemplate"), "spec");
        PodSpecDefaults.ApplyToTemplate(Json.Child(jobSpec, "template"));
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        var schedule = Json.Str(spec, "schedule");
        if (string.IsNullOrEmpty(schedule))
        {
            causes.Add(FieldErrors.Required("spec.schedule"));
        }
        else if (schedule.Contains("TZ", StringComparison.Ordinal))
        {
            causes.Add(FieldErrors.Invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
        }
        else if (CronSchedule.Check(schedule) is { } problem)
        {
            causes.Add(FieldErrors.Invalid("spec.schedule", schedule, problem));
        }
        if (spec["concurrencyPolicy"] is { } policy && Json.Str(spec, "concurrencyPolicy") is not ("Allow" or "Forbid" or "Replace"))
        {
            causes.Add(FieldErrors.NotSupported("spec.concurrencyPolicy", policy, "Allow", "Forbid", "Replace"));
        }
        foreach (var field in new[] { "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds" })
        {
            if (Json.Int(spec, field) is < 0 and var n) causes.Add(FieldErrors.Invalid($"spec.{field}", n, "must be greater than or equal to 0"));
        }
        var jobSpec = Json.Obj(Json.Obj(spec, "jobTemplate"), "spec");
        if (jobSpec is null) causes.Add(FieldErrors.Required("spec.jobTemplate.spec"));
        else
        {
            JobStrategy.ValidateSpec(jobSpec, "spec.jobTemplate.spec", causes);
            // Each job the CronJob creates gets its own generated selector.
            if (jobSpec["selector"] is { } selector)
            {
                causes.Add(FieldErrors.Invalid("spec.jobTemplate.spec.selector", selector.DeepClone(), "`selector` will be auto-generated"));
            }
            if (Json.Bool(jobSpec, "manualSelector") == true)
            {
                causes.Add(FieldErrors.NotSupported("spec.jobTemplate.spec.manualSelector", true, "nil", "false"));
            }
        }
        return causes;
    }
}
