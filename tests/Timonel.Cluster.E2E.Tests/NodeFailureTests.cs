using System.Net;
using System.Text.RegularExpressions;
using Timonel.Kubelet.E2E.Tests;
using Xunit.Abstractions;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// A node dies (its agent, containerd, shims and containers SIGKILLed, as a machine that lost
/// power): it turns NotReady/Unknown, its pods' endpoints leave the Service, the Service keeps
/// answering from the other nodes, the Deployment's pods come back on the two survivors and the
/// cluster DNS still answers there. A cluster of its own (it breaks a node), whose server marks a
/// silent node after 20 s instead of 50 s; the pods tolerate the node's taints for 5 s only.
/// </summary>
public sealed class NodeFailureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ns = "nodefail";
    private const int ConsecutiveAnswers = 50;
    private const string Tolerations = """
              tolerations:
              - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
              - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
        """;

    private readonly LocalCluster _cluster = new(3, "--node-monitor-grace-period", "20s");

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task A_dead_nodes_endpoints_leave_the_Service_which_keeps_answering_and_its_pods_come_back_elsewhere()
    {
        await WebApp.ApplyAsync(_cluster, WebApp.Manifest(Ns, 3, "ScheduleAnyway", podSpecExtra: Tolerations));
        await WebApp.RolloutAsync(_cluster, Ns);
        var pods = await WebApp.ReadyPodsAsync(_cluster, Ns, 3);
        // The first node stays (the client lives there); the victim is another node that runs a web pod.
        var client = _cluster.NodeNames[0];
        var victim = _cluster.NodeNames.Skip(1).FirstOrDefault(n => pods.Values.Any(p => p.Node == n));
        Assert.True(victim is not null, "no web pod outside the first node: " + string.Join(", ", pods.Values));
        var deadIps = pods.Values.Where(p => p.Node == victim).Select(p => p.Ip).ToHashSet();
        var clusterIp = (await _cluster.KubectlOk("get", "svc", "web", "-n", Ns, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        using var http = NetnsSockets.HttpClientInside(_cluster.Net.Nodes.Single(n => n.Name == client).Netns);
        http.Timeout = TimeSpan.FromSeconds(5);
        await Run.UntilAsync(async () => await AskAsync(http, clusterIp) is { Ok: true } ? "" : null, "the Service answering", 60);

        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killing {victim}; pods: {string.Join(", ", pods.Values)}");
        NodeKiller.Kill(_cluster.DataDir, victim);
        var survivors = NodeKiller.ProcessesNaming(Path.Combine(_cluster.DataDir, "nodes", victim));
        Assert.True(survivors.Count == 0, "still running: " + string.Join(", ", survivors));
        // The victim's pods are gone with it: straight to their address, nothing answers.
        foreach (var ip in deadIps)
        {
            var direct = await AskAsync(http, ip);
            Assert.False(direct.Ok, $"{ip} on the killed node {victim} still answers: {direct.Text}");
        }

        var ready = await Run.UntilAsync(async () =>
        {
            var status = (await _cluster.KubectlOk("get", "node", victim, "-o", """jsonpath={.status.conditions[?(@.type=="Ready")].status}""")).Trim();
            return status is "Unknown" or "False" ? status : null;
        }, $"node {victim} NotReady", 120);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {victim} Ready={ready}");
        // Nobody reports for the dead node's pods any more: the node lifecycle controller marks them not ready.
        foreach (var dead in pods.Values.Where(p => p.Node == victim))
        {
            await Run.UntilAsync(async () =>
            {
                var podReady = await _cluster.Kubectl("get", "pod", dead.Name, "-n", Ns, "-o", """jsonpath={.status.conditions[?(@.type=="Ready")].status}""");
                return podReady.Stdout.Trim() == "False" || podReady.Stderr.Contains("NotFound", StringComparison.Ordinal) ? "" : null;
            }, $"pod {dead.Name} not ready", 60);
        }
        await Run.UntilAsync(async () => (await ReadyAddressesAsync()).Overlaps(deadIps) ? null : "",
            $"the endpoints {string.Join(", ", deadIps)} out of the Service's ready endpoints", 120,
            async () => (await _cluster.Kubectl("get", "endpointslices", "-n", Ns, "-o", "yaml")).Output);
        await Run.UntilAsync(async () =>
        {
            var rules = await _cluster.InNodeAsync(client, "nft", "list", "ruleset");
            return rules.ExitCode == 0 && !deadIps.Any(ip => Regex.IsMatch(rules.Stdout, $@"(?<![\d.]){Regex.Escape(ip)}(?!\d)")) ? "" : null;
        }, $"{client}'s service proxy dropping {string.Join(", ", deadIps)}", 60);
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} endpoints gone; {(await _cluster.Kubectl("get", "pods", "-n", Ns, "-o", "wide")).Output}");
        var answers = new List<(bool Ok, string Text)>();
        for (var i = 0; i < ConsecutiveAnswers; i++)
        {
            answers.Add(await AskAsync(http, clusterIp));
        }

        Assert.Contains(ready, new[] { "Unknown", "False" });
        var failed = answers.Where(a => !a.Ok).Select(a => a.Text).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {ConsecutiveAnswers} requests failed after the endpoints left: {string.Join("; ", failed.Take(5))}");
        var answering = answers.Select(a => a.Text).ToHashSet();
        // Survivors or their replacements (the evicted pod's may be ready by now), never the dead node's pods.
        var deadPods = pods.Values.Where(p => p.Node == victim).Select(p => p.Name).ToHashSet();
        Assert.False(answering.Overlaps(deadPods), "answered by: " + string.Join(", ", answering));

        var back = await Run.UntilAsync(async () =>
        {
            var live = await WebApp.LivePodsAsync(_cluster, Ns);
            return live.Count == 3 && live.Values.All(p => p.Node != victim && p.Phase == "Running" && p.Ready) ? live : null;
        }, "3 web pods Running on the other nodes", 120, async () => (await _cluster.Kubectl("get", "pods", "-n", Ns, "-o", "wide")).Output);
        Assert.All(back.Values, p => Assert.NotEqual(victim, p.Node));

        var asker = back.Values.First(p => p.Node == client).Name;
        for (var i = 0; i < 5; i++)
        {
            var lookup = await _cluster.Kubectl("exec", "-n", Ns, asker, "--", "nslookup", $"web.{Ns}.svc.cluster.local");
            Assert.True(lookup.ExitCode == 0 && lookup.Stdout.Contains(clusterIp, StringComparison.Ordinal), $"lookup {i}: {lookup.Output}");
        }
    }

    /// <summary>The addresses some EndpointSlice of `web` offers as ready.</summary>
    private async Task<HashSet<string>> ReadyAddressesAsync()
    {
        var rows = await _cluster.KubectlOk("get", "endpointslices", "-n", Ns, "-l", "kubernetes.io/service-name=web", "-o",
            """jsonpath={range .items[*].endpoints[*]}{.addresses[0]} {.conditions.ready}{"\n"}{end}""");
        return [.. rows.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split(' ')).Where(c => c is [_, "true"]).Select(c => c[0])];
    }

    /// <summary>One request on a new connection: whether it got a 200, and the answering pod or the failure.</summary>
    private static async Task<(bool Ok, string Text)> AskAsync(HttpClient http, string ip)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{ip}/cgi-bin/name") { Headers = { ConnectionClose = true } };
            using var response = await http.SendAsync(request);
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            return response.StatusCode == HttpStatusCode.OK ? (true, body) : (false, $"status {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (false, e.Message);
        }
    }
}
