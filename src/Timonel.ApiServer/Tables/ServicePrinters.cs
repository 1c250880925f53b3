using System.Text.Json.Nodes;
using Timonel.ApiServer.Storage;
using static Timonel.ApiServer.Tables.Fields;

namespace Timonel.ApiServer.Tables;

/// <summary>Services, Endpoints and EndpointSlices.</summary>
internal static class ServicePrinters
{
    /// <summary>Endpoint lists show this many addresses, then "+ N more...".</summary>
    private const int MaxListed = 3;

    public static readonly IPrinter Service = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Type", "string", "ClusterIP, NodePort, LoadBalancer or ExternalName."),
        new("Cluster-IP", "string", "The service's first cluster IP."),
        new("External-IP", "string", "External IPs and load balancer ingress points."),
        new("Port(s)", "string", "Ports as port[:nodePort]/protocol."),
        ColumnSpec.AgeColumn,
        ColumnSpec.Wide("Selector", "The labels of the pods the service routes to."),
    ], (svc, now) =>
    {
        var spec = Obj(svc, "spec");
        var clusterIp = (At(spec, "clusterIPs") as JsonArray)?.Select(v => Scalar(v)).FirstOrDefault() ?? Str(spec, "clusterIP");
        var ports = string.Join(",", Items(spec, "ports").Select(p =>
        {
            var protocol = Str(p, "protocol") ?? "TCP";
            var nodePort = LongOr0(p, "nodePort");
            return nodePort > 0 ? $"{LongOr0(p, "port")}:{nodePort}/{protocol}" : $"{LongOr0(p, "port")}/{protocol}";
        }));
        return
        [
            ObjectMeta.Name(svc), Str(spec, "type") ?? "ClusterIP", NoneIfEmpty(clusterIp), ExternalIp(svc), NoneIfEmpty(ports),
            Printers.Age(svc, now), FormatLabels(Obj(spec, "selector")),
        ];
    });

    public static readonly IPrinter Endpoints = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("Endpoints", "string", "Ready addresses as ip:port, the first few of them."),
        ColumnSpec.AgeColumn,
    ], (ep, now) => [ObjectMeta.Name(ep), FormatEndpoints(ep), Printers.Age(ep, now)]);

    public static readonly IPrinter EndpointSlice = new ColumnPrinter(
    [
        ColumnSpec.NameColumn,
        new("AddressType", "string", "IPv4, IPv6 or FQDN."),
        new("Ports", "string", "Port numbers (or names) of the slice."),
        new("Endpoints", "string", "Addresses of the slice's endpoints, the first few of them."),
        ColumnSpec.AgeColumn,
    ], (slice, now) =>
    {
        var ports = Items(slice, "ports").Select(p => Long(p, "port") is { } n ? Str(n) : Str(p, "name") ?? "*").ToList();
        var addresses = Items(slice, "endpoints").SelectMany(e => (At(e, "addresses") as JsonArray ?? []).Select(a => Scalar(a) ?? "")).ToList();
        return
        [
            ObjectMeta.Name(slice), Text(slice, "addressType"),
            ListWithMore(ports.Take(MaxListed).ToList(), ports.Count, MaxListed, "<unset>"),
            ListWithMore(addresses.Take(MaxListed).ToList(), addresses.Count, MaxListed, "<unset>"),
            Printers.Age(slice, now),
        ];
    });

    private static string ExternalIp(JsonObject svc)
    {
        var externalIps = (At(svc, "spec", "externalIPs") as JsonArray)?.Select(v => Scalar(v) ?? "").ToList() ?? [];
        switch (Str(svc, "spec", "type") ?? "ClusterIP")
        {
            case "ClusterIP":
            case "NodePort":
                return externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>";
            case "LoadBalancer":
                var ingress = LoadBalancerIngress(Obj(svc, "status", "loadBalancer"));
                if (externalIps.Count > 0) return string.Join(",", ingress.Concat(externalIps));
                return ingress.Count > 0 ? string.Join(",", ingress) : "<pending>";
            case "ExternalName":
                return Text(svc, "spec", "externalName");
            default:
                return "<unknown>";
        }
    }

    /// <summary>Each ingress point's IP, else its hostname; sorted and without duplicates.</summary>
    internal static List<string> LoadBalancerIngress(JsonObject? status) =>
        Items(status, "ingress")
            .Select(i => Str(i, "ip") is { Length: > 0 } ip ? ip : Str(i, "hostname") ?? "")
            .Where(s => s.Length > 0)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// ip:port for each address and port of every subset (bare IPs for port-less subsets), listing the first
    /// three; the "more" count is taken over all of them.
    /// </summary>
    private static string FormatEndpoints(JsonObject ep)
    {
        var subsets = Items(ep, "subsets").ToList();
        if (subsets.Count == 0) return "<none>";
        var listed = new List<string>();
        var count = 0;
        var more = false;
        foreach (var subset in subsets)
        {
            var addresses = Items(subset, "addresses").Select(a => Text(a, "ip")).ToList();
            var ports = Items(subset, "ports").ToList();
            IEnumerable<IEnumerable<string>> groups = ports.Count == 0
                ? [addresses]
                : ports.Select(p => addresses.Select(ip => HostPort(ip, LongOr0(p, "port"))));
            foreach (var group in groups)
            {
                var items = group.ToList();
                count += items.Count;
                foreach (var item in items)
                {
                    if (listed.Count == MaxListed)
                    {
                        more = true;
                        break;
                    }
                    listed.Add(item);
                }
            }
        }
        var joined = string.Join(",", listed);
        return more ? $"{joined} + {count - MaxListed} more..." : joined;
    }

    private static string HostPort(string ip, long port) => ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]:{port}" : $"{ip}:{port}";
}
