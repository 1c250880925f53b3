using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Timonel.Network.Dns;
using static Timonel.Network.Dns.Tests.Fixtures;

namespace Timonel.Network.Dns.Tests;

/// <summary>The server on real loopback sockets, forwarding to a <see cref="StubUpstream"/>.</summary>
public sealed class ClusterDnsServerTests
{
    private static ClusterDnsZone Cluster(int headlessEndpoints = 2) => new(ClusterZone, ClusterDnsSnapshot.Build(
        [
            Service("demo", "web", "10.96.0.20", ("http", "TCP", 80)),
            Service("demo", "many", "None", ("http", "TCP", 80)),
            ExternalName("demo", "search", "search.example.test"),
        ],
        [
            Slice("demo", "many", "many-1", [("http", "TCP", 80)],
                Enumerable.Range(1, headlessEndpoints).Select(i => ($"10.244.{i / 200}.{(i % 200) + 1}", (string?)null, (bool?)true)).ToArray()),
        ], serial: 1, synced: true), 30);

    private static async Task<(ClusterDnsServer Server, int Port)> StartAsync(ClusterDnsZone zone, string resolvConf, int upstreamPort)
    {
        var port = FreeDnsPort();
        var server = new ClusterDnsServer(() => zone, new IPEndPoint(IPAddress.Loopback, port), new ClusterDnsServerOptions
        {
            UpstreamResolvConf = resolvConf,
            UpstreamPort = upstreamPort,
            ForwardTimeout = TimeSpan.FromSeconds(2),
        });
        server.Start();
        await Task.Yield();
        return (server, port);
    }

    [Fact]
    public async Task Cluster_names_are_answered_over_udp_and_tcp_without_asking_upstream()
    {
        await using var stub = StubUpstream.Start();
        var (server, port) = await StartAsync(Cluster(), stub.ResolvConfPath, stub.Port);
        await using (server)
        {
            using var udp = ClientOn(port);
            using var tcp = ClientOn(port, tcpOnly: true);
            foreach (var client in new[] { udp, tcp })
            {
                var answer = await client.AskAsync("web.demo.svc.cluster.local", RecordType.A);
                Assert.Equal(ReturnCode.NoError, answer.ReturnCode);
                Assert.True(answer.IsAuthoritiveAnswer);
                Assert.Equal(["10.96.0.20"], answer.Addresses());
                var missing = await client.AskAsync("gone.demo.svc.cluster.local", RecordType.A);
                Assert.Equal(ReturnCode.NxDomain, missing.ReturnCode);
                Assert.IsType<SoaRecord>(Assert.Single(missing.AuthorityRecords));
            }
            Assert.Empty(stub.Asked);
        }
    }

    [Fact]
    public async Task Other_names_are_forwarded_to_the_resolv_conf_nameservers()
    {
        await using var stub = StubUpstream.Start();
        var (server, port) = await StartAsync(Cluster(), stub.ResolvConfPath, stub.Port);
        await using (server)
        {
            using var client = ClientOn(port);
            var answer = await client.AskAsync("www.example.test", RecordType.A);
            Assert.Equal(ReturnCode.NoError, answer.ReturnCode);
            Assert.False(answer.IsAuthoritiveAnswer);
            Assert.Equal(["192.0.2.80"], answer.Addresses());
            Assert.Equal(ReturnCode.NxDomain, (await client.AskAsync("nothing.example.test", RecordType.A)).ReturnCode);
            // A reverse name of an address the cluster does not own falls through too.
            var ptr = await client.AskAsync("9.9.9.9.in-addr.arpa", RecordType.Ptr);
            Assert.Equal("host.example.test.", Assert.IsType<PtrRecord>(Assert.Single(ptr.AnswerRecords)).PointerDomainName.ToString());
            Assert.Equal(["www.example.test.", "nothing.example.test.", "9.9.9.9.in-addr.arpa."], stub.Asked);
        }
    }

    [Fact]
    public async Task External_name_is_followed_to_the_upstream_answer()
    {
        await using var stub = StubUpstream.Start();
        var (server, port) = await StartAsync(Cluster(), stub.ResolvConfPath, stub.Port);
        await using (server)
        {
            using var client = ClientOn(port);
            var answer = await client.AskAsync("search.demo.svc.cluster.local", RecordType.A);
            Assert.IsType<CNameRecord>(answer.AnswerRecords[0]);
            Assert.Equal(["192.0.2.81"], answer.Addresses());
        }
    }

    [Fact]
    public async Task A_dead_upstream_gives_servfail()
    {
        var nobody = FreeDnsPort();
        var conf = Path.Combine(Path.GetTempPath(), $"timonel-dns-dead-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(conf, "nameserver 127.0.0.1\n");
        try
        {
            var (server, port) = await StartAsync(Cluster(), conf, nobody);
            await using (server)
            {
                using var client = ClientOn(port);
                Assert.Equal(ReturnCode.ServerFailure, (await client.AskAsync("www.example.test", RecordType.A)).ReturnCode);
                // The cluster zone still answers.
                Assert.Equal(["10.96.0.20"], (await client.AskAsync("web.demo.svc.cluster.local", RecordType.A)).Addresses());
            }
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [Fact]
    public async Task A_large_answer_is_truncated_over_udp_and_whole_over_tcp()
    {
        await using var stub = StubUpstream.Start();
        var (server, port) = await StartAsync(Cluster(headlessEndpoints: 60), stub.ResolvConfPath, stub.Port);
        await using (server)
        {
            var truncated = await RawUdpQueryAsync(port, "many.demo.svc.cluster.local");
            Assert.True(truncated.IsTruncated);
            Assert.True(truncated.AnswerRecords.Count < 60);
            using var client = ClientOn(port);
            var whole = await client.AskAsync("many.demo.svc.cluster.local", RecordType.A);
            Assert.False(whole.IsTruncated);
            Assert.Equal(60, whole.Addresses().Length);
        }
    }

    /// <summary>One plain (non-EDNS) UDP query, written by hand so nothing retries over TCP.</summary>
    private static async Task<DnsMessage> RawUdpQueryAsync(int port, string name)
    {
        var query = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        query.AddRange([0, 0, 1, 0, 1]);
        using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        await udp.SendAsync(query.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = await udp.ReceiveAsync(timeout.Token);
        Assert.True(reply.Buffer.Length <= 512);
        return DnsMessage.Parse(reply.Buffer);
    }
}
