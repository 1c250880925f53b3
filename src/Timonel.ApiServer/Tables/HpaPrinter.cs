using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>
/// HorizontalPodAutoscalers in autoscaling/v2 shape (metrics and currentMetrics); an autoscaling/v1
/// object's CPU target reads as the one Resource metric it stands for.
/// </summary>
internal static class HpaPrinter
{
    private const int MaxMetrics = 2;

    public static readonly IPrinter Instance = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Reference", "string", "The scaled object, as Kind/name."),
        new("Targets", "string", "Current over target for each metric, the first two of them."),
        new("MinPods", "string", "Lower replica bound."),
        new("MaxPods", "string", "Upper replica bound."),
        new("Replicas", "string", "Replicas now."),
        ColumnSpec.AgeColumn,
    ], (hpa, now) =>
    [
        ObjectMeta.Name(hpa), $"{Text(hpa, "spec", "scaleTargetRef", "kind")}/{Text(hpa, "spec", "scaleTargetRef", "name")}",
        Targets(hpa), Long(hpa, "spec", "minReplicas") is { } min ? Str(min) : "<unset>",
        LongOr0(hpa, "spec", "maxReplicas"), LongOr0(hpa, "status", "currentReplicas"), Printers.Age(hpa, now),
    ]);

    private static string Targets(JsonObject hpa)
    {
        var specs = Items(hpa, "spec", "metrics").ToList();
        var statuses = Items(hpa, "status", "currentMetrics").ToList();
        if (specs.Count == 0 && Long(hpa, "spec", "targetCPUUtilizationPercentage") is { } cpuTarget)
        {
            var current = Long(hpa, "status", "currentCPUUtilizationPercentage") is { } c ? $"{c}%" : "<unknown>";
            return $"cpu: {current}/{cpuTarget}%";
        }
        if (specs.Count == 0) return "<none>";
        var list = specs.Select((spec, i) => Format(spec, i < statuses.Count ? statuses[i] : null)).ToList();
        var joined = string.Join(", ", list.Take(MaxMetrics));
        return list.Count > MaxMetrics ? $"{joined} + {list.Count - MaxMetrics} more..." : joined;
    }

    private static string Format(JsonObject spec, JsonObject? status)
    {
        const string unknown = "<unknown>";
        switch (Str(spec, "type"))
        {
            case "External":
            case "Object":
            case "Pods":
            {
                var field = Str(spec, "type") switch { "External" => "external", "Object" => "object", _ => "pods" };
                var target = Obj(spec, field, "target");
                var current = Obj(status, field, "current");
                if (field == "pods")
                {
                    return $"{Scalar(current, "averageValue") ?? unknown}/{Scalar(target, "averageValue") ?? ""}";
                }
                if (Scalar(target, "averageValue") is { } avg)
                {
                    return $"{Scalar(current, "averageValue") ?? unknown}/{avg} (avg)";
                }
                return $"{(status is null || Obj(status, field) is null ? unknown : Scalar(current, "value") ?? "0")}/{Scalar(target, "value") ?? ""}";
            }
            case "Resource":
            case "ContainerResource":
            {
                var field = Str(spec, "type") == "Resource" ? "resource" : "containerResource";
                var name = Text(spec, field, "name");
                var target = Obj(spec, field, "target");
                var current = Obj(status, field, "current");
                if (Scalar(target, "averageValue") is { } avg)
                {
                    return $"{name}: {Scalar(current, "averageValue") ?? unknown}/{avg}";
                }
                var currentPct = Long(current, "averageUtilization") is { } cu ? $"{cu}%" : unknown;
                var targetPct = Long(target, "averageUtilization") is { } tu ? $"{tu}%" : "<auto>";
                return $"{name}: {currentPct}/{targetPct}";
            }
            default:
                return "<unknown type>";
        }
    }
}
