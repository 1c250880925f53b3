using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Timonel.Network.Dns;

/// <summary>
/// Answers questions about the cluster zone from one <see cref="ClusterDnsSnapshot"/>, with the
/// names and semantics of the Kubernetes DNS specification as CoreDNS's kubernetes plugin serves
/// them (with `pods insecure`, reverse zones falling through):
/// <list type="bullet">
/// <item><c>svc.ns.svc.zone</c>: A/AAAA of the ClusterIPs; headless: every ready endpoint; ExternalName: CNAME.</item>
/// <item><c>label.svc.ns.svc.zone</c>: the ready endpoint named label (its hostname, else its dashed IP).</item>
/// <item><c>_port._proto.svc.ns.svc.zone</c> (and <c>svc.ns.svc.zone</c>): SRV, targets' addresses in the additional section.</item>
/// <item><c>1-2-3-4.ns.pod.zone</c>: A of the address in the name, unchecked.</item>
/// <item>reverse names of ClusterIPs and endpoint addresses: PTR.</item>
/// </list>
/// A name the zone does not hold is NXDOMAIN; a name that exists without the asked type is
/// NODATA; both carry the zone's SOA in the authority section (its minimum is the TTL).
/// </summary>
public sealed class ClusterDnsZone
{
    public const string SchemaVersion = "1.1.0";
    private static readonly DomainName InAddrArpa = DomainName.Parse("in-addr.arpa");
    private static readonly DomainName Ip6Arpa = DomainName.Parse("ip6.arpa");

    private readonly ClusterDnsSnapshot _snapshot;
    private readonly int _ttl;

    public ClusterDnsZone(DomainName zone, ClusterDnsSnapshot snapshot, int ttl, IReadOnlyList<IPAddress>? dnsServiceIps = null)
    {
        Zone = zone;
        _snapshot = snapshot;
        _ttl = ttl;
        DnsServiceIps = dnsServiceIps ?? [];
    }

    public DomainName Zone { get; }

    /// <summary>Addresses of the zone's name server `ns.dns.zone` (the kube-dns ClusterIPs).</summary>
    public IReadOnlyList<IPAddress> DnsServiceIps { get; }

    public ZoneAnswer Answer(DnsQuestion question)
    {
        var name = question.Name;
        if (question.RecordClass is not (RecordClass.INet or RecordClass.Any))
        {
            return name.IsEqualOrSubDomainOf(Zone) ? Negative(ReturnCode.Refused) : ZoneAnswer.NotOurs;
        }
        if (name.IsSubDomainOf(InAddrArpa) || name.IsSubDomainOf(Ip6Arpa))
        {
            return Reverse(question);
        }
        if (!name.IsEqualOrSubDomainOf(Zone))
        {
            return ZoneAnswer.NotOurs;
        }
        if (question.RecordType is RecordType.Axfr or RecordType.Ixfr)
        {
            return Negative(ReturnCode.Refused);
        }
        var labels = name.Labels.Take(name.LabelCount - Zone.LabelCount).Select(l => l.ToLowerInvariant()).ToArray();
        var answer = labels switch
        {
            [] => Apex(question),
            ["dns-version"] => question.RecordType == RecordType.Txt ? Positive([new TxtRecord(name, 28800, SchemaVersion)]) : NoData(),
            ["dns"] or ["ns", "dns"] => NsName(question),
            [.. var rest, "svc"] => Services(question, rest),
            [.. var rest, "pod"] => Pods(question, rest),
            _ => null,
        };
        return answer ?? (_snapshot.Synced ? Negative(ReturnCode.NxDomain) : Negative(ReturnCode.ServerFailure));
    }

    private ZoneAnswer Apex(DnsQuestion question) => question.RecordType switch
    {
        RecordType.Soa => Positive([Soa()]),
        RecordType.Ns => Positive([new NsRecord(question.Name, _ttl, NsTarget)], Addresses(NsTarget, DnsServiceIps, RecordType.Any)),
        _ => NoData(),
    };

    private DomainName NsTarget => DomainName.Parse("ns.dns") + Zone;

    private ZoneAnswer NsName(DnsQuestion question)
    {
        if (question.Name.LabelCount == Zone.LabelCount + 1 || DnsServiceIps.Count == 0)
        {
            return NoData();
        }
        return AddressAnswer(question, DnsServiceIps);
    }

    private ZoneAnswer? Services(DnsQuestion question, string[] labels)
    {
        switch (labels)
        {
            case []:
                return NoData();
            case [var ns]:
                return _snapshot.HasNamespace(ns) ? NoData() : null;
        }
        var service = _snapshot.Find(labels[^1], labels[^2]);
        if (service is null)
        {
            return null;
        }
        return labels.Length switch
        {
            2 => Service(question, service),
            3 => Endpoint(question, service, labels[0]),
            4 when labels[0].StartsWith('_') && labels[1].StartsWith('_') => Port(question, service, labels[0][1..], labels[1][1..]),
            _ => null,
        };
    }

    private ZoneAnswer? Service(DnsQuestion question, DnsService service)
    {
        if (service.Kind == DnsServiceKind.ExternalName)
        {
            return ExternalName(question, service);
        }
        if (service.Kind == DnsServiceKind.Headless && service.Endpoints.Count == 0)
        {
            // As CoreDNS: a headless Service without a ready endpoint is no name yet, so a
            // resolver walking its search list goes on to the next suffix.
            return null;
        }
        return question.RecordType == RecordType.Srv
            ? Srv(question, service, _ => true)
            : AddressAnswer(question, Addresses(service));
    }

    private ZoneAnswer? ExternalName(DnsQuestion question, DnsService service)
    {
        // An address is no name to alias (CoreDNS serves no record for it either).
        if (string.IsNullOrEmpty(service.ExternalName) || IPAddress.TryParse(service.ExternalName, out _)
            || !DomainName.TryParse(service.ExternalName, out var target) || target is null)
        {
            return null;
        }
        var cname = new CNameRecord(question.Name, _ttl, target);
        return Positive([cname]) with { ExternalTarget = question.RecordType == RecordType.CName ? null : target };
    }

    private ZoneAnswer? Endpoint(DnsQuestion question, DnsService service, string label)
    {
        var endpoints = service.Endpoints.Where(e => e.Label == label).ToList();
        if (endpoints.Count == 0)
        {
            return null;
        }
        return AddressAnswer(question, endpoints.Select(e => e.Address).ToList());
    }

    private ZoneAnswer? Port(DnsQuestion question, DnsService service, string port, string protocol)
    {
        bool Matches(DnsPort p) => p.Name == port && p.Protocol == protocol;
        var known = service.Kind == DnsServiceKind.Headless
            ? service.Endpoints.Any(e => e.Ports.Any(Matches))
            : service.Ports.Any(Matches);
        if (!known)
        {
            return null;
        }
        return question.RecordType == RecordType.Srv ? Srv(question, service, Matches) : AddressAnswer(question, Addresses(service));
    }

    /// <summary>
    /// SRV records: priority 0 and an even weight share (100 / count, at least 1), one per port
    /// for a ClusterIP Service (target: the Service's name), one per endpoint and port for a
    /// headless Service (target: the endpoint's name); targets' addresses go in the additional section.
    /// </summary>
    private ZoneAnswer Srv(DnsQuestion question, DnsService service, Func<DnsPort, bool> portFilter)
    {
        var serviceName = ServiceName(service);
        var targets = new List<(DomainName Target, ushort Port, IReadOnlyList<IPAddress> Addresses)>();
        if (service.Kind == DnsServiceKind.Headless)
        {
            foreach (var endpoint in service.Endpoints)
            {
                var target = DomainName.Parse(endpoint.Label) + serviceName;
                targets.AddRange(endpoint.Ports.Where(portFilter).Select(p => (target, (ushort)p.Port, (IReadOnlyList<IPAddress>)[endpoint.Address])));
            }
        }
        else
        {
            targets.AddRange(service.Ports.Where(portFilter).Select(p => (serviceName, (ushort)p.Port, service.ClusterIps)));
        }
        if (targets.Count == 0)
        {
            return NoData();
        }
        var weight = (ushort)Math.Max(1, 100 / targets.Count);
        var answers = targets.Select(t => (DnsRecordBase)new SrvRecord(question.Name, _ttl, 0, weight, t.Port, t.Target)).ToList();
        var additional = targets.DistinctBy(t => t.Target).SelectMany(t => Addresses(t.Target, t.Addresses, RecordType.Any)).ToList();
        return Positive(answers, additional);
    }

    /// <summary>`pods insecure`: any well-formed dashed address answers with itself, in any namespace.</summary>
    private ZoneAnswer? Pods(DnsQuestion question, string[] labels)
    {
        switch (labels)
        {
            case []:
            case [_]:
                return NoData();
            case [var dashed, _]:
                var text = dashed.Count(c => c == '-') == 3 && !dashed.Contains("--", StringComparison.Ordinal)
                    ? dashed.Replace('-', '.')
                    : dashed.Replace('-', ':');
                return IPAddress.TryParse(text, out var address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3)
                    ? AddressAnswer(question, [address])
                    : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A ClusterIP names its Service; otherwise every endpoint with that address names itself
    /// under its Service. Addresses the cluster does not own fall through to the upstream.
    /// </summary>
    private ZoneAnswer Reverse(DnsQuestion question)
    {
        var address = ReverseAddress(question.Name);
        if (address is null)
        {
            return ZoneAnswer.NotOurs;
        }
        var targets = new List<DomainName>();
        if (_snapshot.ServiceOfClusterIp(address) is { } service)
        {
            targets.Add(ServiceName(service));
        }
        else
        {
            targets.AddRange(_snapshot.EndpointsOfIp(address).Select(p => DomainName.Parse(p.Endpoint.Label) + ServiceName(p.Service)));
        }
        if (targets.Count == 0)
        {
            return ZoneAnswer.NotOurs;
        }
        return question.RecordType is RecordType.Ptr or RecordType.Any
            ? Positive(targets.Select(t => (DnsRecordBase)new PtrRecord(question.Name, _ttl, t)).ToList())
            : NoData();
    }

    /// <summary>The address of a full reverse name (4 labels under in-addr.arpa, 32 nibbles under ip6.arpa), else null.</summary>
    public static IPAddress? ReverseAddress(DomainName name)
    {
        var labels = name.Labels;
        if (name.LabelCount == 6 && name.IsSubDomainOf(InAddrArpa))
        {
            var text = string.Join('.', labels.Take(4).Reverse());
            return IPAddress.TryParse(text, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') == 3 ? v4 : null;
        }
        if (name.LabelCount == 34 && name.IsSubDomainOf(Ip6Arpa) && labels.Take(32).All(l => l.Length == 1 && Uri.IsHexDigit(l[0])))
        {
            var nibbles = string.Concat(labels.Take(32).Reverse());
            var groups = Enumerable.Range(0, 8).Select(i => nibbles.Substring(i * 4, 4));
            return IPAddress.Parse(string.Join(':', groups));
        }
        return null;
    }

    private DomainName ServiceName(DnsService service) => DomainName.Parse($"{service.Name}.{service.Namespace}.svc") + Zone;

    private static IReadOnlyList<IPAddress> Addresses(DnsService service) =>
        service.Kind == DnsServiceKind.Headless ? service.Endpoints.Select(e => e.Address).Distinct().ToList() : service.ClusterIps;

    /// <summary>A/AAAA of the addresses of the asked family; NODATA when the name has none of it (or another type is asked).</summary>
    private ZoneAnswer AddressAnswer(DnsQuestion question, IReadOnlyList<IPAddress> addresses)
    {
        var records = Addresses(question.Name, addresses, question.RecordType);
        return records.Count == 0 ? NoData() : Positive(records);
    }

    private List<DnsRecordBase> Addresses(DomainName name, IEnumerable<IPAddress> addresses, RecordType type)
    {
        var records = new List<DnsRecordBase>();
        foreach (var address in addresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork && type is RecordType.A or RecordType.Any)
            {
                records.Add(new ARecord(name, _ttl, address));
            }
            else if (address.AddressFamily == AddressFamily.InterNetworkV6 && type is RecordType.Aaaa or RecordType.Any)
            {
                records.Add(new AaaaRecord(name, _ttl, address));
            }
        }
        return records;
    }

    private SoaRecord Soa() => new(Zone, Math.Min(_ttl, 300), NsTarget, DomainName.Parse("hostmaster") + Zone,
        unchecked((uint)_snapshot.Serial), 7200, 1800, 86400, _ttl);

    private static ZoneAnswer Positive(IReadOnlyList<DnsRecordBase> answers, IReadOnlyList<DnsRecordBase>? additional = null) =>
        new(ReturnCode.NoError, answers, [], additional ?? []);

    private ZoneAnswer NoData() => Negative(ReturnCode.NoError);

    private ZoneAnswer Negative(ReturnCode code) => new(code, [], [Soa()], []);
}
