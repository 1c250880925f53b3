using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using static Timonel.Network.Ingress.Tests.IngressObjects;

namespace Timonel.Network.Ingress.Tests;

/// <summary>
/// The real ingress in front of loopback pods, configured only through the API of a real server:
/// requests go over TCP to the ingress's ports and must reach the pod the rules name.
/// </summary>
public sealed class IngressTests(IngressCluster cluster) : IClassFixture<IngressCluster>
{
    private async Task<(HttpStatusCode Status, string Pod, string Body)> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var pod = response.Headers.TryGetValues("X-Pod", out var values) ? values.Single() : "";
        return (response.StatusCode, pod, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the ingress has applied the API's state (a request answers as expected), then returns it.</summary>
    private async Task<(HttpStatusCode Status, string Pod, string Body)> EventuallyAsync(HttpClient client, string url, HttpStatusCode status, string pod = "") =>
        await IngressCluster.EventuallyAsync(() => GetAsync(client, url), r => r.Status == status && r.Pod == pod, $"{url} → {(int)status} {pod}");

    [Fact]
    public async Task Hosts_wildcard_and_paths_reach_the_services_the_rules_name()
    {
        var ns = await cluster.NewNamespaceAsync("routes");
        await cluster.StartPodAsync("a", "127.0.0.2");
        await cluster.StartPodAsync("b", "127.0.0.3");
        await cluster.StartPodAsync("wild", "127.0.0.4");
        await cluster.StartPodAsync("api", "127.0.0.5");
        await cluster.CreateBackendAsync(ns, "svc-a", ("127.0.0.2", true));
        await cluster.CreateBackendAsync(ns, "svc-b", ("127.0.0.3", true));
        await cluster.CreateBackendAsync(ns, "svc-wild", ("127.0.0.4", true));
        await cluster.CreateBackendAsync(ns, "svc-api", ("127.0.0.5", true));
        // No ingressClassName: the server gives it the default class `timonel`.
        var created = (await cluster.Api.CreateAsync(NewIngress(ns, "web", null,
            Rule("a.example.test", Path("/", "Prefix", "svc-a", 80), Path("/api", "Prefix", "svc-api", 80)),
            Rule("b.example.test", Path("/", "Prefix", "svc-b", 80)),
            Rule("*.apps.example.test", Path("/", "Prefix", "svc-wild", 80))))).Require();
        Assert.Equal("timonel", created.Spec.IngressClassName);
        using var client = cluster.Client();

        var a = await EventuallyAsync(client, cluster.Http("a.example.test", "/hello"), HttpStatusCode.OK, "a");
        var b = await GetAsync(client, cluster.Http("b.example.test", "/hello"));
        var wild = await GetAsync(client, cluster.Http("x.apps.example.test", "/"));
        var api = await GetAsync(client, cluster.Http("a.example.test", "/api/v1/items"));
        var notApi = await GetAsync(client, cluster.Http("a.example.test", "/apiary"));
        var twoLabels = await GetAsync(client, cluster.Http("y.x.apps.example.test", "/"));
        var unknown = await GetAsync(client, cluster.Http("c.example.test", "/"));

        Assert.Equal("a /hello 0", a.Body);
        Assert.Equal((HttpStatusCode.OK, "b"), (b.Status, b.Pod));
        Assert.Equal((HttpStatusCode.OK, "wild"), (wild.Status, wild.Pod));
        Assert.Equal((HttpStatusCode.OK, "api", "api /api/v1/items 0"), (api.Status, api.Pod, api.Body));
        Assert.Equal((HttpStatusCode.OK, "a"), (notApi.Status, notApi.Pod));
        Assert.Equal(HttpStatusCode.NotFound, twoLabels.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [Fact]
    public async Task Pods_see_the_original_host_and_forwarded_headers()
    {
        var ns = await cluster.NewNamespaceAsync("headers");
        await cluster.StartPodAsync("h", "127.0.0.6");
        await cluster.CreateBackendAsync(ns, "svc-h", ("127.0.0.6", true));
        (await cluster.Api.CreateAsync(NewIngress(ns, "h", "timonel", Rule("h.example.test", Path("/", "Prefix", "svc-h", 80))))).Require();
        using var client = cluster.Client();
        await EventuallyAsync(client, cluster.Http("h.example.test", "/"), HttpStatusCode.OK, "h");

        using var request = new HttpRequestMessage(HttpMethod.Get, cluster.Http("h.example.test", "/"));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        using var response = await client.SendAsync(request);

        Assert.Equal($"h.example.test:{cluster.HttpPort}", response.Headers.GetValues("X-Seen-Host").Single());
        Assert.Equal("127.0.0.1", response.Headers.GetValues("X-Seen-Forwarded-For").Single());
        Assert.Equal("http", response.Headers.GetValues("X-Seen-Forwarded-Proto").Single());
    }

    [Fact]
    public async Task Tls_certificate_is_chosen_by_sni_from_the_ingress_secrets()
    {
        var ns = await cluster.NewNamespaceAsync("tls");
        await cluster.StartPodAsync("t", "127.0.0.7");
        await cluster.CreateBackendAsync(ns, "svc-t", ("127.0.0.7", true));
        var (certA, secretA) = TlsSecret(ns, "cert-a", "tls-a.example.test");
        var (certB, secretB) = TlsSecret(ns, "cert-b", "tls-b.example.test");
        (await cluster.Api.CreateAsync(secretA)).Require();
        (await cluster.Api.CreateAsync(secretB)).Require();
        var ingress = NewIngress(ns, "tls", "timonel",
            Rule("tls-a.example.test", Path("/", "Prefix", "svc-t", 80)),
            Rule("tls-b.example.test", Path("/", "Prefix", "svc-t", 80)));
        ingress.Spec.Tls =
        [
            new V1IngressTLS { Hosts = ["tls-a.example.test"], SecretName = "cert-a" },
            new V1IngressTLS { Hosts = ["tls-b.example.test"], SecretName = "cert-b" },
        ];
        (await cluster.Api.CreateAsync(ingress)).Require();

        var servedA = await IngressCluster.EventuallyAsync(() => cluster.CertificateForAsync("tls-a.example.test"),
            c => c.Thumbprint == certA.Thumbprint, "certificate of tls-a");
        var servedB = await cluster.CertificateForAsync("tls-b.example.test");
        var servedOther = await cluster.CertificateForAsync("nobody.example.test");
        X509Certificate2? seenOverHttp2 = null;
        using var client = cluster.Client(c => seenOverHttp2 = c);
        using var request = new HttpRequestMessage(HttpMethod.Get, cluster.Https("tls-b.example.test", "/secure")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.SendAsync(request);

        Assert.Equal(certA.Thumbprint, servedA.Thumbprint);
        Assert.Equal(certB.Thumbprint, servedB.Thumbprint);
        Assert.NotEqual(certA.Thumbprint, servedOther.Thumbprint);
        Assert.NotEqual(certB.Thumbprint, servedOther.Thumbprint);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("t /secure 0", await response.Content.ReadAsStringAsync());
        Assert.Equal("https", response.Headers.GetValues("X-Seen-Forwarded-Proto").Single());
        Assert.Equal(certB.Thumbprint, seenOverHttp2?.Thumbprint);
    }

    [Fact]
    public async Task A_refused_endpoint_is_retried_on_another_without_a_client_error()
    {
        var ns = await cluster.NewNamespaceAsync("retry");
        await cluster.StartPodAsync("live", "127.0.0.8");
        // 127.0.0.9 has nothing listening on the pods' port: connections are refused.
        await cluster.CreateBackendAsync(ns, "svc-r", ("127.0.0.9", true), ("127.0.0.8", true));
        (await cluster.Api.CreateAsync(NewIngress(ns, "r", "timonel", Rule("r.example.test", Path("/", "Prefix", "svc-r", 80))))).Require();
        using var client = cluster.Client();
        await IngressCluster.EventuallyAsync(() => Task.FromResult(cluster.Proxy.Table.Resolve("r.example.test", "/").Backend?.Destinations.Count ?? 0),
            n => n == 2, "two endpoints of svc-r in the ingress");

        var gets = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 10; i++)
        {
            var r = await GetAsync(client, cluster.Http("r.example.test", "/" + i));
            gets.Add((r.Status, r.Pod));
        }
        var posts = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.PostAsync(cluster.Http("r.example.test", "/post"), new ByteArrayContent(new byte[10_000]));
            posts.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        Assert.All(gets, g => Assert.Equal((HttpStatusCode.OK, "live"), g));
        Assert.All(posts, p => Assert.Equal((HttpStatusCode.OK, "live /post 10000"), p));
    }

    [Fact]
    public async Task An_endpoint_that_resets_connections_before_answering_is_retried_for_gets()
    {
        var ns = await cluster.NewNamespaceAsync("reset");
        await cluster.StartPodAsync("steady", "127.0.0.13");
        // 127.0.0.14 reads each request, then resets the connection: a pod killed mid-request.
        using var resetting = new System.Net.Sockets.TcpListener(IPAddress.Parse("127.0.0.14"), cluster.PodPort);
        resetting.Start();
        using var stopResetting = new CancellationTokenSource();
        var resets = Task.Run(async () =>
        {
            while (!stopResetting.IsCancellationRequested)
            {
                using var accepted = await resetting.AcceptSocketAsync(stopResetting.Token);
                await accepted.ReceiveAsync(new byte[4096], stopResetting.Token);
                accepted.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                accepted.Close();
            }
        });
        await cluster.CreateBackendAsync(ns, "svc-reset", ("127.0.0.14", true), ("127.0.0.13", true));
        (await cluster.Api.CreateAsync(NewIngress(ns, "reset", "timonel", Rule("reset.example.test", Path("/", "Prefix", "svc-reset", 80))))).Require();
        using var client = cluster.Client();
        await IngressCluster.EventuallyAsync(() => Task.FromResult(cluster.Proxy.Table.Resolve("reset.example.test", "/").Backend?.Destinations.Count ?? 0),
            n => n == 2, "two endpoints of svc-reset in the ingress");

        var gets = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 10; i++)
        {
            var r = await GetAsync(client, cluster.Http("reset.example.test", "/" + i));
            gets.Add((r.Status, r.Pod));
        }
        await stopResetting.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resets);

        Assert.All(gets, g => Assert.Equal((HttpStatusCode.OK, "steady"), g));
    }

    [Fact]
    public async Task No_ready_endpoint_is_503_and_becoming_ready_serves()
    {
        var ns = await cluster.NewNamespaceAsync("unready");
        await cluster.StartPodAsync("late", "127.0.0.10");
        await cluster.CreateBackendAsync(ns, "svc-u", ("127.0.0.10", false));
        (await cluster.Api.CreateAsync(NewIngress(ns, "u", "timonel", Rule("u.example.test", Path("/", "Prefix", "svc-u", 80))))).Require();
        using var client = cluster.Client();

        var unready = await EventuallyAsync(client, cluster.Http("u.example.test", "/"), HttpStatusCode.ServiceUnavailable);
        var slice = (await cluster.Api.GetAsync<V1EndpointSlice>(ns, "svc-u-http")).Require();
        slice.Endpoints[0].Conditions.Ready = true;
        (await cluster.Api.UpdateAsync(slice)).Require();
        var ready = await EventuallyAsync(client, cluster.Http("u.example.test", "/"), HttpStatusCode.OK, "late");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.Status);
        Assert.Equal("late / 0", ready.Body);
    }

    [Fact]
    public async Task Changing_and_deleting_the_ingress_changes_the_routes()
    {
        var ns = await cluster.NewNamespaceAsync("change");
        await cluster.StartPodAsync("one", "127.0.0.11");
        await cluster.StartPodAsync("two", "127.0.0.12");
        await cluster.CreateBackendAsync(ns, "svc-one", ("127.0.0.11", true));
        await cluster.CreateBackendAsync(ns, "svc-two", ("127.0.0.12", true));
        (await cluster.Api.CreateAsync(NewIngress(ns, "c", "timonel", Rule("c.example.test", Path("/", "Prefix", "svc-one", 80))))).Require();
        using var client = cluster.Client();
        var before = await EventuallyAsync(client, cluster.Http("c.example.test", "/"), HttpStatusCode.OK, "one");

        var ingress = (await cluster.Api.GetAsync<V1Ingress>(ns, "c")).Require();
        ingress.Spec.Rules[0].Http.Paths[0].Backend.Service.Name = "svc-two";
        (await cluster.Api.UpdateAsync(ingress)).Require();
        var changed = await EventuallyAsync(client, cluster.Http("c.example.test", "/"), HttpStatusCode.OK, "two");
        (await cluster.Api.DeleteAsync<V1Ingress>(ns, "c")).EnsureOk();
        var deleted = await EventuallyAsync(client, cluster.Http("c.example.test", "/"), HttpStatusCode.NotFound);

        Assert.Equal("one", before.Pod);
        Assert.Equal("two", changed.Pod);
        Assert.Equal(HttpStatusCode.NotFound, deleted.Status);
    }

    [Fact]
    public async Task Status_lists_the_ready_nodes_addresses_for_our_class_only()
    {
        var ns = await cluster.NewNamespaceAsync("status");
        await CreateNodeAsync("ingress-node-1", "10.213.7.11", ready: true);
        await CreateNodeAsync("ingress-node-2", "10.213.7.12", ready: false);
        (await cluster.Api.CreateAsync(NewIngress(ns, "ours", "timonel", Rule("s.example.test", Path("/", "Prefix", "svc", 80))))).Require();
        (await cluster.Api.CreateAsync(NewIngress(ns, "theirs", "other", Rule("t.example.test", Path("/", "Prefix", "svc", 80))))).Require();

        var ours = await IngressCluster.EventuallyAsync(async () => (await cluster.Api.GetAsync<V1Ingress>(ns, "ours")).Require(),
            i => i.Status?.LoadBalancer?.Ingress?.Any(a => a.Ip == "10.213.7.11") == true, "status of ours");
        var theirs = (await cluster.Api.GetAsync<V1Ingress>(ns, "theirs")).Require();

        Assert.DoesNotContain(ours.Status.LoadBalancer.Ingress, a => a.Ip == "10.213.7.12");
        Assert.Empty(theirs.Status?.LoadBalancer?.Ingress ?? []);
    }

    /// <summary>What an agent registers: a Node, then its status (again if a controller wrote the Node meanwhile).</summary>
    private async Task CreateNodeAsync(string name, string ip, bool ready)
    {
        (await cluster.Api.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } })).Require();
        for (var attempt = 0; ; attempt++)
        {
            var node = (await cluster.Api.GetAsync<V1Node>(null, name)).Require();
            node.Status = new V1NodeStatus
            {
                Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }],
                Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "False", LastHeartbeatTime = DateTime.UtcNow, LastTransitionTime = DateTime.UtcNow }],
            };
            var written = await cluster.Api.UpdateStatusAsync(node);
            if (written.Ok || !written.IsConflict || attempt > 5)
            {
                written.Require();
                return;
            }
        }
    }

    private static (X509Certificate2 Certificate, V1Secret Secret) TlsSecret(string ns, string name, string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Type = "kubernetes.io/tls",
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(certificate.ExportCertificatePem()),
                ["tls.key"] = Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()),
            },
        };
        return (certificate, secret);
    }
}
