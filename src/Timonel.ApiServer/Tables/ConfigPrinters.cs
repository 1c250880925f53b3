using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>Namespaces, ConfigMaps, Secrets, ServiceAccounts, Leases and ResourceQuotas.</summary>
internal static class ConfigPrinters
{
    public static readonly IPrinter Namespace = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Status", "string", "Active or Terminating."),
        ColumnSpec.AgeColumn,
    ], (ns, now) => [ObjectMeta.Name(ns), Text(ns, "status", "phase"), Printers.Age(ns, now)]);

    public static readonly IPrinter ConfigMap = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Data", "string", "Number of keys, text and binary."),
        ColumnSpec.AgeColumn,
    ], (cm, now) => [ObjectMeta.Name(cm), (long)(Count(cm, "data") + Count(cm, "binaryData")), Printers.Age(cm, now)]);

    public static readonly IPrinter Secret = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Type", "string", "The secret's type, e.g. Opaque."),
        new("Data", "string", "Number of keys."),
        ColumnSpec.AgeColumn,
    ], (s, now) => [ObjectMeta.Name(s), Text(s, "type"), (long)Count(s, "data"), Printers.Age(s, now)]);

    public static readonly IPrinter ServiceAccount = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Secrets", "string", "Number of secrets listed on the account."),
        ColumnSpec.AgeColumn,
    ], (sa, now) => [ObjectMeta.Name(sa), (long)Count(sa, "secrets"), Printers.Age(sa, now)]);

    public static readonly IPrinter Lease = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Holder", "string", "The identity holding the lease."),
        ColumnSpec.AgeColumn,
    ], (lease, now) => [ObjectMeta.Name(lease), Text(lease, "spec", "holderIdentity"), Printers.Age(lease, now)]);

    public static readonly IPrinter ResourceQuota = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Request", "string", "Used out of hard for each resource that is not a limit."),
        new("Limit", "string", "Used out of hard for each limits.* resource."),
        ColumnSpec.AgeColumn,
    ], (rq, now) =>
    {
        var hard = Obj(rq, "status", "hard") ?? [];
        var used = Obj(rq, "status", "used");
        var requests = new List<string>();
        var limits = new List<string>();
        foreach (var (name, quantity) in hard.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var entry = $"{name}: {Scalar(used, name) ?? "0"}/{Scalar(quantity) ?? "0"}";
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            (dot > 0 && name[..dot] == "limits" ? limits : requests).Add(entry);
        }
        return [ObjectMeta.Name(rq), string.Join(", ", requests), string.Join(", ", limits), Printers.Age(rq, now)];
    });
}
