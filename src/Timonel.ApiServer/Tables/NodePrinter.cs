using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>Nodes: Name, Status, Roles, Age, Version; wide addresses and system info.</summary>
internal static class NodePrinter
{
    private const string RolePrefix = "node-role.kubernetes.io/";
    private const string RoleLabel = "kubernetes.io/role";

    public static readonly IPrinter Instance = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Status", "string", "Ready, NotReady or Unknown, plus SchedulingDisabled when cordoned."),
        new("Roles", "string", "Roles from node-role.kubernetes.io/* and kubernetes.io/role labels."),
        ColumnSpec.AgeColumn,
        new("Version", "string", "The kubelet's version."),
        ColumnSpec.Wide("Internal-IP", "The node's first internal IP."),
        ColumnSpec.Wide("External-IP", "The node's first external IP."),
        ColumnSpec.Wide("OS-Image", "The operating system image."),
        ColumnSpec.Wide("Kernel-Version", "The kernel version."),
        ColumnSpec.Wide("Container-Runtime", "The container runtime and its version."),
    ], (node, now) =>
    {
        var info = Obj(node, "status", "nodeInfo");
        return
        [
            ObjectMeta.Name(node), Status(node), Roles(node), Printers.Age(node, now), Text(info, "kubeletVersion"),
            Address(node, "InternalIP"), Address(node, "ExternalIP"),
            UnknownIfEmpty(Str(info, "osImage")), UnknownIfEmpty(Str(info, "kernelVersion")),
            UnknownIfEmpty(Str(info, "containerRuntimeVersion")),
        ];
    });

    private static string Status(JsonObject node)
    {
        var parts = new List<string>();
        // The last Ready condition wins should there be several.
        if (Items(node, "status", "conditions").LastOrDefault(c => Str(c, "type") == "Ready") is { } ready)
        {
            parts.Add(Str(ready, "status") == "True" ? "Ready" : "NotReady");
        }
        else
        {
            parts.Add("Unknown");
        }
        if (Bool(node, "spec", "unschedulable") == true) parts.Add("SchedulingDisabled");
        return string.Join(",", parts);
    }

    private static string Roles(JsonObject node)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in ObjectMeta.Labels(node) ?? [])
        {
            if (key.StartsWith(RolePrefix, StringComparison.Ordinal) && key.Length > RolePrefix.Length)
            {
                roles.Add(key[RolePrefix.Length..]);
            }
            else if (key == RoleLabel && Scalar(value) is { Length: > 0 } role)
            {
                roles.Add(role);
            }
        }
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static string Address(JsonObject node, string type) =>
        Items(node, "status", "addresses").FirstOrDefault(a => Str(a, "type") == type) is { } a ? Text(a, "address") : "<none>";

    private static string UnknownIfEmpty(string? s) => string.IsNullOrEmpty(s) ? "<unknown>" : s;
}
