using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>PodDisruptionBudgets and PriorityClasses.</summary>
internal static class PolicyPrinters
{
    public static readonly IPrinter PodDisruptionBudget = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Min Available", "string", "Pods that must stay available, a number or a percentage."),
        new("Max Unavailable", "string", "Pods that may be unavailable, a number or a percentage."),
        new("Allowed Disruptions", "integer", "Evictions currently allowed."),
        ColumnSpec.AgeColumn,
    ], (pdb, now) =>
    [
        ObjectMeta.Name(pdb), Scalar(pdb, "spec", "minAvailable") ?? "N/A", Scalar(pdb, "spec", "maxUnavailable") ?? "N/A",
        LongOr0(pdb, "status", "disruptionsAllowed"), Printers.Age(pdb, now),
    ]);

    public static readonly IPrinter PriorityClass = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Value", "integer", "The priority pods of this class get."),
        new("Global-Default", "boolean", "Whether pods without a class get this one."),
        ColumnSpec.AgeColumn,
        new("PreemptionPolicy", "string", "Whether pods of this class preempt lower ones."),
    ], (pc, now) =>
    [
        ObjectMeta.Name(pc), LongOr0(pc, "value"), Bool(pc, "globalDefault") ?? false, Printers.Age(pc, now),
        Text(pc, "preemptionPolicy"),
    ]);
}
