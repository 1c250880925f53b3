using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>Jobs and cron jobs.</summary>
internal static class BatchPrinters
{
    public static readonly IPrinter Job = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Status", "string", "Complete, Failed, Terminating, Suspended, FailureTarget or Running."),
        new("Completions", "string", "Succeeded pods out of required completions."),
        new("Duration", "string", "Time from start to completion, or to now while running."),
        ColumnSpec.AgeColumn,
        ColumnSpec.Wide("Containers", "Names of the template's containers."),
        ColumnSpec.Wide("Images", "Images of the template's containers."),
        ColumnSpec.Wide("Selector", "The label selector of the job's pods."),
    ], (job, now) =>
    {
        var (names, images) = ContainerCells(Obj(job, "spec", "template", "spec"));
        return
        [
            ObjectMeta.Name(job), JobStatus(job), Completions(job), Duration(job, now), Printers.Age(job, now),
            names, images, FormatLabelSelector(Obj(job, "spec", "selector")),
        ];
    });

    public static readonly IPrinter CronJob = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Schedule", "string", "The cron schedule."),
        new("Timezone", "string", "The time zone the schedule is read in."),
        new("Suspend", "boolean", "Whether new runs are suspended."),
        new("Active", "integer", "Jobs running now."),
        new("Last Schedule", "string", "Time since a job was last scheduled."),
        ColumnSpec.AgeColumn,
        ColumnSpec.Wide("Containers", "Names of the job template's containers."),
        ColumnSpec.Wide("Images", "Images of the job template's containers."),
        ColumnSpec.Wide("Selector", "The label selector of the job template."),
    ], (cj, now) =>
    {
        var jobSpec = Obj(cj, "spec", "jobTemplate", "spec");
        var (names, images) = ContainerCells(Obj(jobSpec, "template", "spec"));
        var last = Str(cj, "status", "lastScheduleTime") is { } t ? Printers.Since(t, now) : "<none>";
        var suspend = Bool(cj, "spec", "suspend") switch { true => "True", false => "False", null => "<unset>" };
        return
        [
            ObjectMeta.Name(cj), Text(cj, "spec", "schedule"), Str(cj, "spec", "timeZone") ?? "<none>", suspend,
            (long)Count(cj, "status", "active"), last, Printers.Age(cj, now),
            names, images, FormatLabelSelector(Obj(jobSpec, "selector")),
        ];
    });

    private static string JobStatus(JsonObject job)
    {
        if (HasCondition(job, "Complete")) return "Complete";
        if (HasCondition(job, "Failed")) return "Failed";
        if (ObjectMeta.IsDeleting(job)) return "Terminating";
        if (HasCondition(job, "Suspended")) return "Suspended";
        if (HasCondition(job, "FailureTarget")) return "FailureTarget";
        return "Running";
    }

    /// <summary>The first condition of the type decides, true or not.</summary>
    private static bool HasCondition(JsonObject job, string type) =>
        Items(job, "status", "conditions").FirstOrDefault(c => Str(c, "type") == type) is { } c && Str(c, "status") == "True";

    private static string Completions(JsonObject job)
    {
        var succeeded = LongOr0(job, "status", "succeeded");
        if (Long(job, "spec", "completions") is { } completions) return $"{succeeded}/{completions}";
        var parallelism = LongOr0(job, "spec", "parallelism");
        return parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
    }

    private static string Duration(JsonObject job, DateTimeOffset now)
    {
        var start = ObjectMeta.ParseTimestamp(Str(job, "status", "startTime"));
        if (start is null) return "";
        var end = ObjectMeta.ParseTimestamp(Str(job, "status", "completionTime")) ?? now;
        return Printers.HumanDuration(end - start.Value);
    }
}
