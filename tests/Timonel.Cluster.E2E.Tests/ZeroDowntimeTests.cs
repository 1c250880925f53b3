using Timonel.Kubelet.E2E.Tests;
using Xunit.Abstractions;

namespace Timonel.Cluster.E2E.Tests;

/// <summary>
/// No request is lost while pods come and go: a rolling update of a 3-replica Deployment spread
/// over the three nodes, under load through its ClusterIP (from a node's namespace) and through
/// the Ingress (from the host to the node addresses); then pods killed under load at the Ingress.
/// Every request opens a new connection, so each one is routed afresh by the proxy or the ingress.
/// </summary>
[Collection(ThreeNodeClusterCollection.Name)]
public sealed class ZeroDowntimeTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 2000;
    private readonly string _ns = "zdt-" + Guid.NewGuid().ToString("N")[..6];
    private string Host => _ns + ".example.test";

    public async Task InitializeAsync()
    {
        await WebApp.ApplyAsync(cluster, WebApp.Manifest(_ns, 3, "DoNotSchedule", Host));
        await WebApp.RolloutAsync(cluster, _ns);
    }

    public Task DisposeAsync() => cluster.Kubectl("delete", "namespace", _ns, "--wait=false");

    [Fact]
    public async Task A_rolling_update_loses_no_request_through_the_ClusterIP_or_the_Ingress()
    {
        var before = await WebApp.ReadyPodsAsync(cluster, _ns, 3);
        Assert.Equal(3, before.Values.Select(p => p.Node).Distinct().Count());
        var clusterIp = (await cluster.KubectlOk("get", "svc", "web", "-n", _ns, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        var client = NetnsSockets.HttpClientInside(cluster.Net.Nodes[0].Netns);
        await IngressAnswersOnEveryNodeAsync();

        await using var viaClusterIp = RequestStream.Start(client, _ => new HttpRequestMessage(HttpMethod.Get, $"http://{clusterIp}/cgi-bin/name"));
        await using var viaIngress = RequestStream.Start(new HttpClient(), IngressRequest);
        // A new template starts the rollout; minReadySeconds holds each step for a while, so that
        // most of the requests are sent while old and new pods come and go.
        await cluster.KubectlOk("patch", "deploy/web", "-n", _ns, "--type=merge", "-p",
            """{"spec":{"minReadySeconds":4,"template":{"metadata":{"annotations":{"e2e.timonel.io/version":"2"}}}}}""");
        await WebApp.RolloutAsync(cluster, _ns);
        output.WriteLine($"when the rollout was done: ClusterIP {viaClusterIp.Sent} sent, Ingress {viaIngress.Sent} sent");
        await Run.UntilAsync(() => Task.FromResult(viaClusterIp.Sent >= Requests && viaIngress.Sent >= Requests ? "" : null),
            $"{Requests} requests each way", 120);
        await viaClusterIp.StopAsync();
        await viaIngress.StopAsync();

        output.WriteLine("ClusterIP: " + viaClusterIp.Summary);
        output.WriteLine("Ingress: " + viaIngress.Summary);
        var after = await WebApp.ReadyPodsAsync(cluster, _ns, 3);
        Assert.Empty(after.Keys.Intersect(before.Keys));
        foreach (var (way, stream) in new[] { ("ClusterIP", viaClusterIp), ("Ingress", viaIngress) })
        {
            Assert.True(stream.Failed == 0, $"{way}: {stream.Summary}");
            Assert.True(stream.AnswersByPod.Keys.All(p => before.ContainsKey(p) || after.ContainsKey(p)), $"{way}: {stream.Summary}");
            Assert.True(stream.AnswersByPod.Keys.Any(before.ContainsKey), $"{way}: no answer from an old pod: {stream.Summary}");
            Assert.True(stream.AnswersByPod.Keys.Any(after.ContainsKey), $"{way}: no answer from a new pod: {stream.Summary}");
        }
    }

    [Fact]
    public async Task Killing_a_pod_under_load_loses_no_request_at_the_Ingress()
    {
        await IngressAnswersOnEveryNodeAsync();
        await using var stream = RequestStream.Start(new HttpClient(), IngressRequest);
        // Each kill: a graceful delete (the kubelet drains, then stops), then a forced one (the pod
        // object goes at once, the containers are killed without waiting).
        string[][] kills = [["--wait=true"], ["--grace-period=0", "--force"]];
        var pods = await WebApp.ReadyPodsAsync(cluster, _ns, 3);
        foreach (var kill in kills)
        {
            await AtLeastAsync(stream, stream.Sent + 200);
            var victim = pods.Keys.Order(StringComparer.Ordinal).First();
            await cluster.KubectlOk(["delete", "pod", victim, "-n", _ns, .. kill]);
            var next = await WebApp.ReadyPodsAsync(cluster, _ns, 3);
            var replacement = Assert.Single(next.Keys.Except(pods.Keys));
            // The replacement must take traffic before the next kill, so each kill hits a full set.
            await Run.UntilAsync(() => Task.FromResult(stream.AnswersByPod.ContainsKey(replacement) ? "" : null),
                $"an answer from {replacement} through the Ingress", 60, () => Task.FromResult(stream.Summary));
            pods = next;
        }
        await AtLeastAsync(stream, stream.Sent + 200);
        await stream.StopAsync();
        output.WriteLine(stream.Summary);

        Assert.True(stream.Failed == 0, stream.Summary);
        Assert.True(stream.Sent >= 600, stream.Summary);
    }

    private HttpRequestMessage IngressRequest(long n)
    {
        var ips = cluster.NodeIps;
        return new HttpRequestMessage(HttpMethod.Get, $"http://{ips[(int)(n % ips.Count)]}/cgi-bin/name") { Headers = { Host = Host } };
    }

    /// <summary>Each node's ingress has loaded the rule and the ready endpoints (a fresh Ingress takes a moment).</summary>
    private async Task IngressAnswersOnEveryNodeAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var ip in cluster.NodeIps)
        {
            await Run.UntilAsync(async () =>
            {
                try
                {
                    using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://{ip}/cgi-bin/name") { Headers = { Host = Host } });
                    return response.IsSuccessStatusCode ? "" : null;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return null;
                }
            }, $"the Ingress for {Host} on {ip}", 60);
        }
    }

    private static Task AtLeastAsync(RequestStream stream, long sent) =>
        Run.UntilAsync(() => Task.FromResult(stream.Sent >= sent ? "" : null), $"{sent} requests sent", 60, () => Task.FromResult(stream.Summary));
}
