using System.Net;
using ARSoft.Tools.Net.Dns;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Network.Dns;
using static Timonel.Network.Dns.Tests.Fixtures;

namespace Timonel.Network.Dns.Tests;

/// <summary>
/// End to end: a real `timonel server` (its bootstrap `kube-dns` Service included), Services and
/// EndpointSlices written through the API, <see cref="ClusterDns"/> (records following them with
/// informers, the server on 127.0.0.1 answering an ARSoft client and forwarding to a stub upstream).
/// </summary>
public sealed class ClusterDnsThroughApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Answers_follow_services_and_endpoint_slices_written_through_the_api()
    {
        await using var apiServer = await ServerProcess.StartNewAsync("--service-cidr", "10.96.0.0/16", "--disable-controllers");
        using var api = ApiConnection.FromKubeconfig(apiServer.Kubeconfig);
        await using var stub = StubUpstream.Start();
        var port = FreeDnsPort();
        var dns = new ClusterDns(api, new IPEndPoint(IPAddress.Loopback, port), new ClusterDnsOptions(), new ClusterDnsServerOptions
        {
            UpstreamResolvConf = stub.ResolvConfPath,
            UpstreamPort = stub.Port,
        });
        using var stop = new CancellationTokenSource();
        var running = dns.RunAsync(stop.Token);
        try
        {
            await dns.Ready.WaitAsync(Patience);
            using var client = ClientOn(port);

            // The bootstrap Service of cluster DNS sits at the tenth address, and names the zone's NS.
            var kubeDns = Ok(await api.GetAsync<V1Service>("kube-system", "kube-dns"));
            Assert.Equal("10.96.0.10", kubeDns.Spec.ClusterIP);
            Assert.Equal(["dns/UDP/53", "dns-tcp/TCP/53"], kubeDns.Spec.Ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}"));
            await Eventually(async () => (await client.AskAsync("kube-dns.kube-system.svc.cluster.local", RecordType.A)).Addresses().SequenceEqual(["10.96.0.10"]), "kube-dns answers");
            Assert.Equal(["10.96.0.1"], (await client.AskAsync("kubernetes.default.svc.cluster.local", RecordType.A)).Addresses());
            var ns = await client.AskAsync("cluster.local", RecordType.Ns);
            Assert.Equal("10.96.0.10", Assert.IsType<ARecord>(Assert.Single(ns.AdditionalRecords, r => r is ARecord)).Address.ToString());

            Ok(await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "demo" } }));
            Assert.Equal(ReturnCode.NxDomain, (await client.AskAsync("web.demo.svc.cluster.local", RecordType.A)).ReturnCode);
            var web = Ok(await api.CreateAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "demo" },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }] },
            }));
            await Eventually(async () => (await client.AskAsync("web.demo.svc.cluster.local", RecordType.A)).Addresses().SequenceEqual([web.Spec.ClusterIP]), "web answers its allocated ClusterIP");
            var srv = Assert.IsType<SrvRecord>(Assert.Single((await client.AskAsync("_http._tcp.web.demo.svc.cluster.local", RecordType.Srv)).AnswerRecords));
            Assert.Equal(("web.demo.svc.cluster.local.", 80), (srv.Target.ToString(), (int)srv.Port));
            var reverse = string.Join('.', web.Spec.ClusterIP.Split('.').Reverse()) + ".in-addr.arpa";
            Assert.Equal("web.demo.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single((await client.AskAsync(reverse, RecordType.Ptr)).AnswerRecords)).PointerDomainName.ToString());

            // A headless Service answers its ready endpoints, by hostname too.
            Ok(await api.CreateAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "demo" },
                Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Name = "pg", Port = 5432, Protocol = "TCP" }] },
            }));
            var slice = Ok(await api.CreateAsync(Slice("demo", "db", "db-1", [("pg", "TCP", 5432)], ("10.244.1.2", "db-0", true), ("10.244.2.3", "db-1", true))));
            await Eventually(async () => (await client.AskAsync("db.demo.svc.cluster.local", RecordType.A)).Addresses().SequenceEqual(["10.244.1.2", "10.244.2.3"]), "db answers both endpoints");
            Assert.Equal(["10.244.2.3"], (await client.AskAsync("db-1.db.demo.svc.cluster.local", RecordType.A)).Addresses());

            // db-1 stops being ready: its name goes.
            slice.Endpoints[1].Conditions.Ready = false;
            Ok(await api.UpdateAsync(slice));
            await Eventually(async () => (await client.AskAsync("db.demo.svc.cluster.local", RecordType.A)).Addresses().SequenceEqual(["10.244.1.2"]), "only db-0 answers");
            Assert.Equal(ReturnCode.NxDomain, (await client.AskAsync("db-1.db.demo.svc.cluster.local", RecordType.A)).ReturnCode);

            // The Service goes: its name goes with it.
            Ok(await api.DeleteAsync<V1Service>("demo", "web"));
            await Eventually(async () => (await client.AskAsync("web.demo.svc.cluster.local", RecordType.A)).ReturnCode == ReturnCode.NxDomain, "web is NXDOMAIN");

            // Names outside the zone still reach the node's resolver (here the stub).
            Assert.Equal(["192.0.2.80"], (await client.AskAsync("www.example.test", RecordType.A)).Addresses());
            Assert.DoesNotContain(stub.Asked, name => name.EndsWith("cluster.local.", StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    private static T Ok<T>(ApiResult<T> result)
    {
        Assert.True(result.Ok, result.ToString());
        return result.Value!;
    }

    /// <summary>Waits for the informers to deliver a change; not a timing assertion.</summary>
    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never happened: {what}");
            await Task.Delay(100);
        }
    }
}
