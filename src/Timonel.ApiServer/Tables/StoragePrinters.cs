using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>PersistentVolumeClaims.</summary>
internal static class StoragePrinters
{
    private const string BetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    public static readonly IPrinter PersistentVolumeClaim = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Status", "string", "Pending, Bound, Lost or Terminating."),
        new("Volume", "string", "The bound persistent volume."),
        new("Capacity", "string", "Storage of the bound volume."),
        new("Access Modes", "string", "Access modes of the bound volume: RWO, ROX, RWX, RWOP."),
        new("StorageClass", "string", "The claim's storage class."),
        new("VolumeAttributesClass", "string", "The claim's volume attributes class."),
        ColumnSpec.AgeColumn,
        ColumnSpec.Wide("VolumeMode", "Filesystem or Block."),
    ], (pvc, now) =>
    {
        var phase = ObjectMeta.IsDeleting(pvc) ? "Terminating" : Text(pvc, "status", "phase");
        var volume = Text(pvc, "spec", "volumeName");
        // Capacity and modes describe the bound volume, so they stay blank until the claim is bound.
        var capacity = volume.Length > 0 ? Scalar(pvc, "status", "capacity", "storage") ?? "0" : "";
        var modes = volume.Length > 0 ? AccessModes(pvc) : "";
        var storageClass = Str(pvc, "metadata", "annotations", BetaStorageClassAnnotation)
            ?? Str(pvc, "spec", "storageClassName") ?? "";
        return
        [
            ObjectMeta.Name(pvc), phase, volume, capacity, modes, storageClass,
            Str(pvc, "spec", "volumeAttributesClassName") ?? "<unset>", Printers.Age(pvc, now),
            Str(pvc, "spec", "volumeMode") ?? "<unset>",
        ];
    });

    private static string AccessModes(JsonObject pvc)
    {
        var modes = (At(pvc, "status", "accessModes") as JsonArray)?.Select(m => Scalar(m)).ToHashSet() ?? [];
        (string Mode, string Short)[] order =
            [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")];
        return string.Join(",", order.Where(o => modes.Contains(o.Mode)).Select(o => o.Short));
    }
}
