using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>Deployments, replica sets, daemon sets and stateful sets.</summary>
internal static class WorkloadPrinters
{
    private static readonly ColumnSpec Containers = ColumnSpec.Wide("Containers", "Names of the template's containers.");
    private static readonly ColumnSpec Images = ColumnSpec.Wide("Images", "Images of the template's containers.");
    private static readonly ColumnSpec Selector = ColumnSpec.Wide("Selector", "The label selector of the pods it manages.");

    public static readonly IPrinter Deployment = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Ready", "string", "Ready pods out of desired pods."),
        new("Up-to-date", "string", "Pods running the current template."),
        new("Available", "string", "Pods ready for at least minReadySeconds."),
        ColumnSpec.AgeColumn, Containers, Images, Selector,
    ], (d, now) =>
    {
        var (names, images) = ContainerCells(Obj(d, "spec", "template", "spec"));
        // Unlike the other workloads, an empty deployment selector prints as empty, a malformed one as <invalid>.
        var selector = SelectorString(Obj(d, "spec", "selector")) ?? "<invalid>";
        return
        [
            ObjectMeta.Name(d), $"{LongOr0(d, "status", "readyReplicas")}/{Desired(d)}",
            LongOr0(d, "status", "updatedReplicas"), LongOr0(d, "status", "availableReplicas"),
            Printers.Age(d, now), names, images, selector,
        ];
    });

    public static readonly IPrinter ReplicaSet = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Desired", "integer", "Desired number of pods."),
        new("Current", "integer", "Pods that exist now."),
        new("Ready", "integer", "Pods that are ready."),
        ColumnSpec.AgeColumn, Containers, Images, Selector,
    ], (rs, now) =>
    {
        var (names, images) = ContainerCells(Obj(rs, "spec", "template", "spec"));
        return
        [
            ObjectMeta.Name(rs), Desired(rs), LongOr0(rs, "status", "replicas"), LongOr0(rs, "status", "readyReplicas"),
            Printers.Age(rs, now), names, images, FormatLabelSelector(Obj(rs, "spec", "selector")),
        ];
    });

    public static readonly IPrinter DaemonSet = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Desired", "integer", "Nodes that should run the daemon pod."),
        new("Current", "integer", "Nodes running at least one daemon pod."),
        new("Ready", "integer", "Nodes whose daemon pod is ready."),
        new("Up-to-date", "integer", "Nodes running the current template."),
        new("Available", "integer", "Nodes whose daemon pod is available."),
        new("Node Selector", "string", "The template's node selector."),
        ColumnSpec.AgeColumn, Containers, Images, Selector,
    ], (ds, now) =>
    {
        var podSpec = Obj(ds, "spec", "template", "spec");
        var (names, images) = ContainerCells(podSpec);
        return
        [
            ObjectMeta.Name(ds), LongOr0(ds, "status", "desiredNumberScheduled"), LongOr0(ds, "status", "currentNumberScheduled"),
            LongOr0(ds, "status", "numberReady"), LongOr0(ds, "status", "updatedNumberScheduled"),
            LongOr0(ds, "status", "numberAvailable"), FormatLabels(Obj(podSpec, "nodeSelector")),
            Printers.Age(ds, now), names, images, FormatLabelSelector(Obj(ds, "spec", "selector")),
        ];
    });

    public static readonly IPrinter StatefulSet = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Ready", "string", "Ready pods out of desired pods."),
        ColumnSpec.AgeColumn, Containers, Images,
    ], (sts, now) =>
    {
        var (names, images) = ContainerCells(Obj(sts, "spec", "template", "spec"));
        return [ObjectMeta.Name(sts), $"{LongOr0(sts, "status", "readyReplicas")}/{Desired(sts)}", Printers.Age(sts, now), names, images];
    });

    /// <summary>spec.replicas, which the API defaults to 1.</summary>
    private static long Desired(JsonObject obj) => Long(obj, "spec", "replicas") ?? 1;
}
