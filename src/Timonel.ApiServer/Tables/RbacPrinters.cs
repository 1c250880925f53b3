using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>RoleBindings and ClusterRoleBindings: Name, Role, Age; wide Users, Groups, ServiceAccounts.</summary>
internal static class RbacPrinters
{
    public static readonly IPrinter RoleBinding = Binding("role binding");
    public static readonly IPrinter ClusterRoleBinding = Binding("cluster role binding");

    private static ColumnPrinter Binding(string what) => new(
    [
        ColumnSpec.NameColumn,
        new("Role", "string", $"The role the {what} grants, as Kind/name."),
        ColumnSpec.AgeColumn,
        ColumnSpec.Wide("Users", $"Users the {what} names."),
        ColumnSpec.Wide("Groups", $"Groups the {what} names."),
        ColumnSpec.Wide("ServiceAccounts", $"Service accounts the {what} names, as namespace:name."),
    ], Cells);

    private static object?[] Cells(JsonObject binding, DateTimeOffset now)
    {
        var subjects = Items(binding, "subjects").ToList();
        string Join(string kind, Func<JsonObject, string> format) =>
            string.Join(", ", subjects.Where(s => Str(s, "kind") == kind).Select(format));
        return
        [
            ObjectMeta.Name(binding), $"{Text(binding, "roleRef", "kind")}/{Text(binding, "roleRef", "name")}", Printers.Age(binding, now),
            Join("User", s => Text(s, "name")), Join("Group", s => Text(s, "name")),
            Join("ServiceAccount", s => $"{Text(s, "namespace")}:{Text(s, "name")}"),
        ];
    }
}
