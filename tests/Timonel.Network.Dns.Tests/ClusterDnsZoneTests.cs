using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Timonel.Network.Dns;
using static Timonel.Network.Dns.Tests.Fixtures;

namespace Timonel.Network.Dns.Tests;

public sealed class ClusterDnsZoneTests
{
    private const int Ttl = 30;

    private static readonly (string, string, int)[] WebPorts = [("http", "TCP", 80), ("metrics", "TCP", 9090)];

    private static ClusterDnsZone Cluster(bool synced = true) => new(ClusterZone, ClusterDnsSnapshot.Build(
        [
            Service("demo", "web", "10.96.0.20", ("http", "TCP", 80), ("", "UDP", 5000)),
            Service("demo", "dual", "10.96.0.21,fd00:96::21", ("http", "TCP", 80)),
            Service("demo", "db", "None", ("pg", "TCP", 5432)),
            Service("demo", "empty", "None"),
            Service("kube-system", "kube-dns", "10.96.0.10", ("dns", "UDP", 53), ("dns-tcp", "TCP", 53)),
            ExternalName("demo", "search", "search.example.test"),
            ExternalName("demo", "by-address", "192.0.2.9"),
        ],
        [
            Slice("demo", "web", "web-1", [("http", "TCP", 8080)], ("10.244.1.5", null, true)),
            Slice("demo", "db", "db-1", [("pg", "TCP", 5432)], ("10.244.1.2", "db-0", true), ("10.244.2.3", null, null), ("10.244.3.4", "db-2", false)),
        ], serial: 1_800_000_000, synced), Ttl, [System.Net.IPAddress.Parse("10.96.0.10")]);

    [Fact]
    public void Cluster_ip_service_answers_its_address_with_the_ttl()
    {
        var answer = Cluster().Answer(Question("web.demo.svc.cluster.local", RecordType.A));
        Assert.Equal(ReturnCode.NoError, answer.Code);
        var a = Assert.IsType<ARecord>(Assert.Single(answer.Answers));
        Assert.Equal("10.96.0.20", a.Address.ToString());
        Assert.Equal(Ttl, a.TimeToLive);
        Assert.False(answer.Forward);
    }

    [Fact]
    public void Names_are_case_insensitive_and_keep_the_asked_spelling()
    {
        var answer = Cluster().Answer(Question("WEB.Demo.SVC.Cluster.Local", RecordType.A));
        var a = Assert.IsType<ARecord>(Assert.Single(answer.Answers));
        Assert.Equal("10.96.0.20", a.Address.ToString());
        Assert.Equal("WEB.Demo.SVC.Cluster.Local.", a.Name.ToString());
    }

    [Fact]
    public void Dual_stack_service_answers_a_and_aaaa_separately()
    {
        var zone = Cluster();
        Assert.Equal("10.96.0.21", Assert.IsType<ARecord>(Assert.Single(zone.Answer(Question("dual.demo.svc.cluster.local", RecordType.A)).Answers)).Address.ToString());
        Assert.Equal("fd00:96::21", Assert.IsType<AaaaRecord>(Assert.Single(zone.Answer(Question("dual.demo.svc.cluster.local", RecordType.Aaaa)).Answers)).Address.ToString());
    }

    [Fact]
    public void A_type_the_name_lacks_is_nodata_with_the_soa()
    {
        var answer = Cluster().Answer(Question("web.demo.svc.cluster.local", RecordType.Aaaa));
        Assert.Equal(ReturnCode.NoError, answer.Code);
        Assert.Empty(answer.Answers);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(answer.Authority));
        Assert.Equal("cluster.local.", soa.Name.ToString());
        Assert.Equal("ns.dns.cluster.local.", soa.MasterName.ToString());
        Assert.Equal("hostmaster.cluster.local.", soa.ResponsibleName.ToString());
        Assert.Equal(Ttl, soa.NegativeCachingTTL);
        Assert.Equal(1_800_000_000u, soa.SerialNumber);
    }

    [Theory]
    [InlineData("nope.demo.svc.cluster.local")]
    [InlineData("web.other.svc.cluster.local")]
    [InlineData("nothing.svc.cluster.local")]
    [InlineData("a.b.c.d.web.demo.svc.cluster.local")]
    [InlineData("web.demo.cluster.local")]
    [InlineData("other-0.web.demo.svc.cluster.local")]
    [InlineData("_http._udp.web.demo.svc.cluster.local")]
    [InlineData("empty.demo.svc.cluster.local")]
    [InlineData("not-an-ip.demo.pod.cluster.local")]
    [InlineData("by-address.demo.svc.cluster.local")]
    public void Unknown_names_in_the_zone_are_nxdomain_with_the_soa(string name)
    {
        var answer = Cluster().Answer(Question(name, RecordType.A));
        Assert.Equal(ReturnCode.NxDomain, answer.Code);
        Assert.Empty(answer.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(answer.Authority));
    }

    [Theory]
    [InlineData("cluster.local")]
    [InlineData("svc.cluster.local")]
    [InlineData("demo.svc.cluster.local")]
    [InlineData("demo.pod.cluster.local")]
    public void Names_that_exist_above_records_are_nodata(string name)
    {
        var answer = Cluster().Answer(Question(name, RecordType.A));
        Assert.Equal(ReturnCode.NoError, answer.Code);
        Assert.Empty(answer.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(answer.Authority));
    }

    [Fact]
    public void Before_the_first_list_unknown_names_are_servfail_not_nxdomain()
    {
        Assert.Equal(ReturnCode.ServerFailure, Cluster(synced: false).Answer(Question("later.demo.svc.cluster.local", RecordType.A)).Code);
    }

    [Fact]
    public void Headless_service_answers_every_ready_endpoint()
    {
        var answer = Cluster().Answer(Question("db.demo.svc.cluster.local", RecordType.A));
        Assert.Equal(["10.244.1.2", "10.244.2.3"], answer.Answers.Cast<ARecord>().Select(a => a.Address.ToString()).Order());
    }

    [Fact]
    public void Endpoint_hostnames_and_dashed_addresses_name_single_endpoints()
    {
        var zone = Cluster();
        Assert.Equal("10.244.1.2", Assert.IsType<ARecord>(Assert.Single(zone.Answer(Question("db-0.db.demo.svc.cluster.local", RecordType.A)).Answers)).Address.ToString());
        Assert.Equal("10.244.2.3", Assert.IsType<ARecord>(Assert.Single(zone.Answer(Question("10-244-2-3.db.demo.svc.cluster.local", RecordType.A)).Answers)).Address.ToString());
        // Not ready: no name.
        Assert.Equal(ReturnCode.NxDomain, zone.Answer(Question("db-2.db.demo.svc.cluster.local", RecordType.A)).Code);
        // Endpoints of a ClusterIP Service are named too.
        Assert.Equal("10.244.1.5", Assert.IsType<ARecord>(Assert.Single(zone.Answer(Question("10-244-1-5.web.demo.svc.cluster.local", RecordType.A)).Answers)).Address.ToString());
    }

    [Fact]
    public void Srv_of_a_cluster_ip_port_targets_the_service_with_its_address_as_glue()
    {
        var answer = Cluster().Answer(Question("_http._tcp.web.demo.svc.cluster.local", RecordType.Srv));
        var srv = Assert.IsType<SrvRecord>(Assert.Single(answer.Answers));
        Assert.Equal((0, 100, 80), (srv.Priority, srv.Weight, srv.Port));
        Assert.Equal("web.demo.svc.cluster.local.", srv.Target.ToString());
        var glue = Assert.IsType<ARecord>(Assert.Single(answer.Additional));
        Assert.Equal(("web.demo.svc.cluster.local.", "10.96.0.20"), (glue.Name.ToString(), glue.Address.ToString()));
    }

    [Fact]
    public void Srv_of_the_service_name_lists_every_port()
    {
        var answer = Cluster().Answer(Question("web.demo.svc.cluster.local", RecordType.Srv));
        Assert.Equal([80, 5000], answer.Answers.Cast<SrvRecord>().Select(s => (int)s.Port).Order());
        Assert.All(answer.Answers.Cast<SrvRecord>(), s => Assert.Equal(50, s.Weight));
    }

    [Fact]
    public void Srv_of_a_headless_port_has_one_record_per_endpoint()
    {
        var answer = Cluster().Answer(Question("_pg._tcp.db.demo.svc.cluster.local", RecordType.Srv));
        var targets = answer.Answers.Cast<SrvRecord>().Select(s => $"{s.Target}:{s.Port}").Order(StringComparer.Ordinal);
        Assert.Equal(["10-244-2-3.db.demo.svc.cluster.local.:5432", "db-0.db.demo.svc.cluster.local.:5432"], targets);
        var glue = answer.Additional.Cast<ARecord>().Select(a => $"{a.Name}={a.Address}").Order(StringComparer.Ordinal);
        Assert.Equal(["10-244-2-3.db.demo.svc.cluster.local.=10.244.2.3", "db-0.db.demo.svc.cluster.local.=10.244.1.2"], glue);
    }

    [Fact]
    public void External_name_is_a_cname_the_server_may_follow()
    {
        var answer = Cluster().Answer(Question("search.demo.svc.cluster.local", RecordType.A));
        var cname = Assert.IsType<CNameRecord>(Assert.Single(answer.Answers));
        Assert.Equal("search.example.test.", cname.CanonicalName.ToString());
        Assert.Equal("search.example.test.", answer.ExternalTarget?.ToString());
    }

    [Theory]
    [InlineData("10-244-7-9.demo.pod.cluster.local", RecordType.A, "10.244.7.9")]
    [InlineData("fd00-10-244--9.anyns.pod.cluster.local", RecordType.Aaaa, "fd00:10:244::9")]
    public void Pod_names_answer_the_address_they_spell(string name, RecordType type, string address)
    {
        var answer = Cluster().Answer(Question(name, type));
        Assert.Equal(address, Assert.Single(answer.Answers) switch { ARecord a => a.Address.ToString(), AaaaRecord a => a.Address.ToString(), var other => other.ToString() });
    }

    [Fact]
    public void Ptr_names_cluster_ips_and_endpoints()
    {
        var zone = Cluster();
        Assert.Equal("web.demo.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(zone.Answer(Question("20.0.96.10.in-addr.arpa", RecordType.Ptr)).Answers)).PointerDomainName.ToString());
        Assert.Equal("db-0.db.demo.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(zone.Answer(Question("2.1.244.10.in-addr.arpa", RecordType.Ptr)).Answers)).PointerDomainName.ToString());
        Assert.Equal("10-244-2-3.db.demo.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(zone.Answer(Question("3.2.244.10.in-addr.arpa", RecordType.Ptr)).Answers)).PointerDomainName.ToString());
        var v6 = string.Join('.', "fd000096000000000000000000000021".Reverse()) + ".ip6.arpa";
        Assert.Equal("dual.demo.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(zone.Answer(Question(v6, RecordType.Ptr)).Answers)).PointerDomainName.ToString());
    }

    [Fact]
    public void Unknown_reverse_names_and_other_zones_go_upstream()
    {
        var zone = Cluster();
        Assert.True(zone.Answer(Question("9.9.9.9.in-addr.arpa", RecordType.Ptr)).Forward);
        Assert.True(zone.Answer(Question("example.test", RecordType.A)).Forward);
        Assert.True(zone.Answer(Question("local", RecordType.Soa)).Forward);
    }

    [Fact]
    public void Apex_has_soa_ns_with_glue_and_the_schema_version()
    {
        var zone = Cluster();
        Assert.IsType<SoaRecord>(Assert.Single(zone.Answer(Question("cluster.local", RecordType.Soa)).Answers));
        var ns = zone.Answer(Question("cluster.local", RecordType.Ns));
        Assert.Equal("ns.dns.cluster.local.", Assert.IsType<NsRecord>(Assert.Single(ns.Answers)).NameServer.ToString());
        Assert.Equal("10.96.0.10", Assert.IsType<ARecord>(Assert.Single(ns.Additional)).Address.ToString());
        var txt = Assert.IsType<TxtRecord>(Assert.Single(zone.Answer(Question("dns-version.cluster.local", RecordType.Txt)).Answers));
        Assert.Equal(ClusterDnsZone.SchemaVersion, txt.TextData);
    }

    [Fact]
    public void Zone_transfers_are_refused()
    {
        Assert.Equal(ReturnCode.Refused, Cluster().Answer(Question("cluster.local", RecordType.Axfr)).Code);
    }
}
