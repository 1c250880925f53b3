using System.Net;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// Namespace `demo`: a busybox client pinned to node 1, http pods web-2 and web-3 pinned to nodes 2
/// and 3 (app=web), Service `web` (ClusterIP) and headless Service `web-headless` in front of them.
/// </summary>
public sealed class PodNetworkSetup() : NamespaceFixture("demo")
{
    public const string Client = "client";
    public static readonly string[] WebPods = ["web-2", "web-3"];

    protected override async Task SetUpAsync()
    {
        var nodes = Cluster.NodeNames;
        await ApplyAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{Client}} }
            spec:
              nodeName: {{nodes[0]}}
              terminationGracePeriodSeconds: 0
              containers:
              - {name: sh, image: timonel.local/busybox:1, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
            ---
            {{WebPod(WebPods[0], nodes[1])}}
            {{WebPod(WebPods[1], nodes[2])}}
            {{HttpWorkloads.Service("web", "web")}}
            apiVersion: v1
            kind: Service
            metadata: {name: web-headless}
            spec:
              clusterIP: None
              selector: {app: web}
              ports: [{port: 80, targetPort: 80}]
            """);
        await PodsReadyAsync("app=web");
        await Cluster.PodRunningAsync(Namespace, Client);
    }

    private static string WebPod(string name, string node) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}, labels: {app: web} }
        spec:
          nodeName: {{node}}
          terminationGracePeriodSeconds: 1
          containers:
          - name: http
            image: timonel.local/http:1
            imagePullPolicy: IfNotPresent
            env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name} } }]
            readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
        ---
        """;

    /// <summary>A shell command in a pod of the namespace (`kubectl exec`).</summary>
    public Task<CommandResult> ExecAsync(string pod, string script) =>
        Cluster.Kubectl("exec", "-n", Namespace, pod, "--", "sh", "-c", script);

    /// <summary>An HTTP/1.0 GET with busybox nc from <paramref name="pod"/>; the response's body (last line), or null when nothing answered.</summary>
    public async Task<string?> GetAsync(string pod, string target, string path = "/cgi-bin/name")
    {
        var nc = await ExecAsync(pod, $"printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {target} 80");
        return nc.ExitCode == 0 && nc.Stdout.StartsWith("HTTP/1.", StringComparison.Ordinal) && nc.Stdout.Contains(" 200 ", StringComparison.Ordinal)
            ? nc.Stdout.TrimEnd().Split('\n')[^1].Trim()
            : null;
    }

    public async Task<string> PodIpAsync(string pod) =>
        (await Cluster.KubectlOk("get", "pod", pod, "-n", Namespace, "-o", "jsonpath={.status.podIP}")).Trim();
}

/// <summary>Pods reach each other across nodes by IP, Services by their DNS names, and get the cluster's resolver settings.</summary>
[Collection(ThreeNodeClusterCollection.Name)]
public sealed class PodNetworkTests(ThreeNodeCluster cluster, PodNetworkSetup demo) : IClassFixture<PodNetworkSetup>, IAsyncLifetime
{
    public Task InitializeAsync() => demo.ReadyAsync(cluster);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_pod_reaches_pods_on_other_nodes_by_IP_and_the_callee_sees_the_callers_pod_IP()
    {
        var clientIp = await demo.PodIpAsync(PodNetworkSetup.Client);
        var web2Ip = await demo.PodIpAsync("web-2");
        var web3Ip = await demo.PodIpAsync("web-3");

        // client (node 1) -> web-2 (node 2) and web-3 (node 3); web-2 -> web-3 (node 2 -> node 3).
        // `/` (a static file) is what busybox httpd logs with the peer's address.
        Assert.Equal("web-2", await demo.GetAsync(PodNetworkSetup.Client, web2Ip, "/"));
        Assert.Equal("web-3", await demo.GetAsync(PodNetworkSetup.Client, web3Ip, "/"));
        Assert.Equal("web-3", await demo.GetAsync("web-2", web3Ip, "/"));

        // No address translation between pods: the callee's log names the caller's own pod IP.
        await Run.UntilAsync(async () =>
        {
            var log = await cluster.KubectlOk("logs", "-n", demo.Namespace, "web-3");
            return log.Contains($"[::ffff:{clientIp}]:", StringComparison.Ordinal) && log.Contains($"[::ffff:{web2Ip}]:", StringComparison.Ordinal) ? log : null;
        }, $"web-3's log naming {clientIp} and {web2Ip}", 30, async () => await cluster.KubectlOk("logs", "-n", demo.Namespace, "web-3"));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("web.demo")]
    [InlineData("web.demo.svc.cluster.local")]
    public async Task A_pod_reaches_the_Service_by_its_DNS_name(string name)
    {
        // The first answer may wait for the Service's rules and DNS record to reach node 1.
        var first = await Run.UntilAsync(() => demo.GetAsync(PodNetworkSetup.Client, name), $"an answer from {name}:80", 60);
        Assert.Contains(first, PodNetworkSetup.WebPods);
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains(await demo.GetAsync(PodNetworkSetup.Client, name), PodNetworkSetup.WebPods);
        }
    }

    [Fact]
    public async Task A_headless_Service_resolves_to_exactly_its_pods_IPs()
    {
        var expected = new[] { await demo.PodIpAsync("web-2"), await demo.PodIpAsync("web-3") }.Order().ToArray();

        await Run.UntilAsync(async () =>
        {
            var lookup = await demo.ExecAsync(PodNetworkSetup.Client, "nslookup web-headless.demo.svc.cluster.local");
            var ips = AnsweredAddresses(lookup.Stdout);
            return lookup.ExitCode == 0 && ips.SequenceEqual(expected) ? ips : null;
        }, $"web-headless resolving to {string.Join(", ", expected)}", 60,
            async () => (await demo.ExecAsync(PodNetworkSetup.Client, "nslookup web-headless.demo.svc.cluster.local")).Output);

        // The ClusterIP Service's name resolves to one address, its ClusterIP, not to the pods.
        var clusterIp = (await cluster.KubectlOk("get", "svc", "web", "-n", demo.Namespace, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        var web = await demo.ExecAsync(PodNetworkSetup.Client, "nslookup web.demo.svc.cluster.local");
        Assert.Equal(new[] { clusterIp }, AnsweredAddresses(web.Stdout));
    }

    [Fact]
    public async Task A_pods_resolv_conf_names_the_kube_dns_Service_and_the_cluster_search_path()
    {
        var kubeDns = (await cluster.KubectlOk("get", "svc", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}")).Trim();
        Assert.True(IPAddress.TryParse(kubeDns, out _), $"kube-dns has no ClusterIP: '{kubeDns}'");

        var resolvConf = await demo.ExecAsync(PodNetworkSetup.Client, "cat /etc/resolv.conf");
        Assert.Equal(0, resolvConf.ExitCode);
        var lines = resolvConf.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Equal(["nameserver " + kubeDns], lines.Where(l => l.StartsWith("nameserver", StringComparison.Ordinal)));
        Assert.Contains("search demo.svc.cluster.local svc.cluster.local cluster.local", lines);
        Assert.Contains(lines, l => l.StartsWith("options", StringComparison.Ordinal) && l.Split(' ').Contains("ndots:5"));
    }

    /// <summary>
    /// The addresses busybox nslookup printed for the name, sorted: the `Address:` lines after a
    /// `Name:` line (the ones before it name the server).
    /// </summary>
    private static string[] AnsweredAddresses(string nslookup)
    {
        var addresses = new List<string>();
        var inAnswer = false;
        foreach (var line in nslookup.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("Name:", StringComparison.Ordinal))
            {
                inAnswer = true;
            }
            else if (inAnswer && line.StartsWith("Address:", StringComparison.Ordinal))
            {
                addresses.Add(line["Address:".Length..].Trim());
            }
        }
        return [.. addresses.Order()];
    }
}
