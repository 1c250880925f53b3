using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>Ingresses and IngressClasses.</summary>
internal static class IngressPrinters
{
    public static readonly IPrinter Ingress = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Class", "string", "The IngressClass that implements this ingress."),
        new("Hosts", "string", "Hosts the rules match, the first few of them; * when none is named."),
        new("Address", "string", "Load balancer ingress points."),
        new("Ports", "string", "80, and 443 when TLS is configured."),
        ColumnSpec.AgeColumn,
    ], (ing, now) =>
    [
        ObjectMeta.Name(ing), Str(ing, "spec", "ingressClassName") ?? "<none>", Hosts(ing),
        string.Join(",", ServicePrinters.LoadBalancerIngress(Obj(ing, "status", "loadBalancer"))),
        Count(ing, "spec", "tls") > 0 ? "80, 443" : "80", Printers.Age(ing, now),
    ]);

    public static readonly IPrinter IngressClass = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Controller", "string", "The controller that handles ingresses of this class."),
        new("Parameters", "string", "The resource holding the class's parameters, as kind[.group]/name."),
        ColumnSpec.AgeColumn,
    ], (ic, now) =>
    {
        var parameters = "<none>";
        if (Obj(ic, "spec", "parameters") is { } p)
        {
            parameters = Text(p, "kind") + (Str(p, "apiGroup") is { } g ? "." + g : "") + "/" + Text(p, "name");
        }
        return [ObjectMeta.Name(ic), Text(ic, "spec", "controller"), parameters, Printers.Age(ic, now)];
    });

    /// <summary>
    /// The first three named hosts; the "more" count is over all rules, named or not, as upstream counts it.
    /// </summary>
    private static string Hosts(JsonObject ing)
    {
        const int max = 3;
        var rules = Items(ing, "spec", "rules").ToList();
        var listed = new List<string>();
        var more = false;
        foreach (var rule in rules)
        {
            if (listed.Count == max) more = true;
            if (!more && Str(rule, "host") is { Length: > 0 } host) listed.Add(host);
        }
        if (listed.Count == 0) return "*";
        var joined = string.Join(",", listed);
        return more ? $"{joined} + {rules.Count - max} more..." : joined;
    }
}
