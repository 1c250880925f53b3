using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;

namespace Timonel.ApiServer.Tables;

/// <summary>
/// Built-in kinds upstream prints no columns for (Roles, ClusterRoles, LimitRanges) get the API server's
/// generic table: Name and the creation timestamp itself, in RFC 3339 UTC.
/// </summary>
internal static class CreatedAtPrinter
{
    public static readonly IPrinter Instance = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Created At", "date", "When the server created the object."),
    ], (obj, _) =>
    {
        var created = ObjectMeta.ParseTimestamp(ObjectMeta.Str(obj["metadata"] as JsonObject, "creationTimestamp"));
        return [ObjectMeta.Name(obj), created is { } t ? ObjectMeta.Timestamp(t) : null];
    });
}
