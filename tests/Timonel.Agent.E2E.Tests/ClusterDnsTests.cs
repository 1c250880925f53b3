using System.Text.Json.Nodes;
using Timonel.Kubelet.Images;
using Timonel.Testing;

namespace Timonel.Agent.E2E.Tests;

/// <summary>
/// Services and cluster DNS on a real agent, as a user in a pod meets them: the pod's
/// resolv.conf names the kube-dns Service, a Service answers to `web`, `web.NS` and
/// `web.NS.svc.cluster.local` and by its ClusterIP (through the agent's nftables proxy, the DNS
/// server on the node IP being the kube-dns endpoint the agent published), a headless Service
/// resolves to its pods, and the node (no default route) reaches a ClusterIP itself.
/// </summary>
public sealed class ClusterDnsTests(AgentNode node) : IClassFixture<AgentNode>
{
    private const string Namespace = "demo";
    private const string KubeDnsIp = "10.43.0.10";

    [Fact]
    public async Task Pods_resolve_and_reach_services_by_name_through_the_nodes_dns_and_proxy()
    {
        await node.WaitReadyAsync();
        var slice = await Shell.UntilAsync(async () =>
        {
            var (code, stdout, _) = await Shell.RunAsync(RepoPaths.Kubectl, ["get", "endpointslice", "-n", "kube-system", "kube-dns-" + node.NodeName, "-o", "json"],
                new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig });
            return code == 0 ? JsonNode.Parse(stdout) : null;
        }, "the node's kube-dns endpoint", 60, () => node.AgentOutput);
        Assert.Equal(node.Network.NodeIp, slice["endpoints"]![0]!["addresses"]![0]!.GetValue<string>());
        Assert.True(slice["endpoints"]![0]!["conditions"]!["ready"]!.GetValue<bool>());

        await node.KubectlAsync("create", "namespace", Namespace);
        await node.KubectlInAsync(Manifests, "apply", "-n", Namespace, "-f", "-");
        await node.KubectlAsync("wait", "-n", Namespace, "--for=condition=Ready", "pod/client", "pod/host-dns", "--timeout=180s");
        await node.KubectlAsync("wait", "-n", Namespace, "--for=condition=Available", "deployment/web", "--timeout=180s");
        var clusterIp = (await node.KubectlAsync("get", "service", "web", "-n", Namespace, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        var pods = (await node.KubectlJsonAsync("get", "pods", "-n", Namespace, "-l", "app=web"))["items"]!.AsArray()
            .Select(p => (Name: p!["metadata"]!["name"]!.GetValue<string>(), Ip: p["status"]!["podIP"]!.GetValue<string>())).ToList();
        Assert.Equal(2, pods.Count);

        var resolvConf = await ExecAsync("client", "cat /etc/resolv.conf");
        Assert.Contains($"nameserver {KubeDnsIp}", resolvConf);
        Assert.Contains($"search {Namespace}.svc.cluster.local svc.cluster.local cluster.local", resolvConf);
        Assert.Contains("options ndots:5", resolvConf);
        // dnsPolicy Default: the node's own resolver settings, not the cluster's.
        var hostDns = await ExecAsync("host-dns", "cat /etc/resolv.conf");
        Assert.DoesNotContain(KubeDnsIp, hostDns);
        Assert.Equal(NameServers(File.ReadAllText("/etc/resolv.conf")), NameServers(hostDns));

        // busybox nslookup applies the search list to dotless names only (`web.demo` is asked as
        // is); the C library's resolver, which nc uses below, follows ndots:5 for `web.demo` too.
        foreach (var name in new[] { "web", $"web.{Namespace}.svc.cluster.local" })
        {
            // busybox nslookup asks every search domain and exits 1 when any of them is NXDOMAIN.
            var answer = await UntilExecAsync("client", $"nslookup {name}", text => text.Contains(clusterIp, StringComparison.Ordinal), $"{name} resolving to {clusterIp}", anyExit: true);
            Assert.Contains($"Name:\tweb.{Namespace}.svc.cluster.local\nAddress: {clusterIp}", answer);
        }
        var headless = await UntilExecAsync("client", $"nslookup web-pods.{Namespace}.svc.cluster.local",
            text => pods.All(p => text.Contains(p.Ip, StringComparison.Ordinal)), "the headless service resolving to both pods", anyExit: true);
        Assert.DoesNotContain(clusterIp, headless);

        var names = pods.Select(p => p.Name).ToHashSet();
        foreach (var target in new[] { clusterIp, "web", $"web.{Namespace}", $"web.{Namespace}.svc.cluster.local" })
        {
            var page = await UntilExecAsync("client", $"printf 'GET /cgi-bin/name HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {target} 80",
                text => names.Any(n => text.Contains(n, StringComparison.Ordinal)), $"an answer from a web pod through {target}");
            Assert.Contains("200", page.Split('\n')[0]);
        }
        // The node itself (no default route: the agent routes the Service range out of its node IP).
        var fromNode = await Shell.UntilAsync(() => node.CurlFromNodeAsync($"http://{clusterIp}/cgi-bin/name"), "the ClusterIP from the node", 60, () => node.AgentOutput);
        Assert.Contains(fromNode, names);
        await node.KubectlAsync("delete", "namespace", Namespace, "--wait=false");
    }

    [Fact]
    public async Task A_rolling_update_loses_no_request_through_the_cluster_ip()
    {
        const string ns = "roll";
        await node.WaitReadyAsync();
        await node.KubectlAsync("create", "namespace", ns);
        await node.KubectlInAsync(RollManifests, "apply", "-n", ns, "-f", "-");
        await node.KubectlAsync("wait", "-n", ns, "--for=condition=Ready", "pod/client", "--timeout=180s");
        await node.KubectlAsync("rollout", "status", "-n", ns, "deployment/web", "--timeout=180s");
        var clusterIp = (await node.KubectlAsync("get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        await Shell.UntilAsync(() => node.CurlFromNodeAsync($"http://{clusterIp}/"), "the service answering", 60, () => node.AgentOutput);

        // Requests one after another until told to stop; each either gets its 200 or counts as lost.
        var script = $"n=0; lost=0; while [ ! -f /tmp/stop ]; do n=$((n+1)); printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 {clusterIp} 80 | grep -q '200 OK' || lost=$((lost+1)); done; echo \"$n $lost\"";
        var load = Shell.RunAsync(RepoPaths.Kubectl, ["exec", "-n", ns, "client", "--", "sh", "-c", script],
            new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig });
        var before = await node.KubectlAsync("get", "pods", "-n", ns, "-l", "app=web", "-o", "name");
        await node.KubectlAsync("rollout", "restart", "-n", ns, "deployment/web");
        await node.KubectlAsync("rollout", "status", "-n", ns, "deployment/web", "--timeout=180s");
        // Until the old pods are gone, so their termination happened under load.
        await Shell.UntilAsync(async () =>
        {
            var now = await node.KubectlAsync("get", "pods", "-n", ns, "-l", "app=web", "-o", "name");
            return before.Split('\n', StringSplitOptions.RemoveEmptyEntries).All(p => !now.Contains(p, StringComparison.Ordinal)) ? now : null;
        }, "the old pods gone", 120, () => node.AgentOutput);
        await node.KubectlAsync("exec", "-n", ns, "client", "--", "touch", "/tmp/stop");
        var (code, stdout, stderr) = await load;
        Assert.True(code == 0, stderr);
        var counts = stdout.Trim().Split(' ').Select(int.Parse).ToArray();
        Assert.True(counts[0] > 50, $"only {counts[0]} requests were made during the rollout");
        Assert.True(counts[1] == 0, $"{counts[1]} of {counts[0]} requests lost");
        // Each old pod was stopped only after the node saw it withdrawn from the Service.
        foreach (var pod in before.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()["pod/".Length..]))
        {
            Assert.Contains($"pod {pod}: endpoint drain Withdrawn after", node.AgentOutput);
        }
        await node.KubectlAsync("delete", "namespace", ns, "--wait=false");
    }

    private static List<string> NameServers(string resolvConf) =>
        resolvConf.Split('\n').Where(l => l.StartsWith("nameserver", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();

    private async Task<string> ExecAsync(string pod, string script) =>
        await node.KubectlAsync("exec", "-n", Namespace, pod, "--", "sh", "-c", script);

    /// <summary>Runs the script in the pod until its output satisfies <paramref name="good"/> (DNS and rules follow the API within moments).</summary>
    private async Task<string> UntilExecAsync(string pod, string script, Func<string, bool> good, string what, bool anyExit = false)
    {
        var last = "";
        return await Shell.UntilAsync(async () =>
        {
            var (code, stdout, stderr) = await Shell.RunAsync(RepoPaths.Kubectl, ["exec", "-n", Namespace, pod, "--", "sh", "-c", script],
                new Dictionary<string, string> { ["KUBECONFIG"] = node.Server.Kubeconfig });
            last = $"exit {code}: {stdout}{stderr}";
            return (code == 0 || anyExit) && good(stdout) ? stdout : null;
        }, what, 60, () => last + "\n" + node.AgentOutput);
    }

    /// <summary>Two replicas with a readiness probe (a new pod gets traffic once httpd listens) and a client.</summary>
    private static readonly string RollManifests = $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 2
          selector:
            matchLabels: { app: web }
          template:
            metadata:
              labels: { app: web }
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: http
                image: {{ProjectImages.Http}}
                imagePullPolicy: IfNotPresent
                readinessProbe:
                  httpGet: { path: /, port: 80 }
                  periodSeconds: 1
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: { app: web }
          ports:
          - port: 80
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: client
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: sh
            image: {{ProjectImages.Busybox}}
            command: ["sleep", "3600"]
        """;

    private static readonly string Manifests = $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 2
          selector:
            matchLabels: { app: web }
          template:
            metadata:
              labels: { app: web }
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: http
                image: {{ProjectImages.Http}}
                imagePullPolicy: IfNotPresent
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: { app: web }
          ports:
          - port: 80
            targetPort: 80
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web-pods
        spec:
          clusterIP: None
          selector: { app: web }
          ports:
          - port: 80
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: client
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: sh
            image: {{ProjectImages.Busybox}}
            command: ["sleep", "3600"]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: host-dns
        spec:
          dnsPolicy: Default
          terminationGracePeriodSeconds: 1
          containers:
          - name: sh
            image: {{ProjectImages.Busybox}}
            command: ["sleep", "3600"]
        """;
}
