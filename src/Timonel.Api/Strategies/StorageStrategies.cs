using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>core/v1 PersistentVolumeClaim: a filesystem volume with at least one access mode and a size.</summary>
public sealed class PersistentVolumeClaimStrategy : IKindStrategy
{
    private static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    public void Default(JsonObject obj)
    {
        // The phase is the volume binder's to set, not the API server's.
        Json.SetDefault(Json.Child(obj, "spec"), "volumeMode", "Filesystem");
    }

    public IReadOnlyList<ErrorCause> Validate(JsonObject obj, JsonObject? old)
    {
        var causes = new List<ErrorCause>();
        var spec = Json.Obj(obj, "spec") ?? [];
        var modes = Json.Arr(spec, "accessModes");
        if (modes is not { Count: > 0 })
        {
            causes.Add(FieldErrors.Required("spec.accessModes", "at least 1 access mode is required"));
        }
        foreach (var mode in modes ?? [])
        {
            if (!AccessModes.Contains(mode is JsonValue v && v.TryGetValue<string>(out var m) ? m : null))
            {
                causes.Add(FieldErrors.NotSupported("spec.accessModes", mode?.DeepClone(), AccessModes));
            }
        }
        var storage = Json.Obj(Json.Obj(spec, "resources"), "requests")?["storage"];
        if (storage is null)
        {
            causes.Add(FieldErrors.Required("spec.resources[storage]"));
        }
        else if (PodSpecValidation.Parse(storage) is not > 0)
        {
            causes.Add(FieldErrors.Invalid("spec.resources[storage]", storage.DeepClone(), "must be greater than zero"));
        }
        if (spec["volumeMode"] is { } volumeMode && Json.Str(spec, "volumeMode") is not ("Block" or "Filesystem"))
        {
            causes.Add(FieldErrors.NotSupported("spec.volumeMode", volumeMode, "Block", "Filesystem"));
        }
        return causes;
    }
}
