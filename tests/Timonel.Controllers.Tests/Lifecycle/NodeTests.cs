using System.Net;
using k8s.Models;
using Timonel.Client.Api;

namespace Timonel.Controllers.Tests.Lifecycle;

/// <summary>Node IPAM and node lifecycle: pod CIDRs, heartbeats through Leases, taints, taint-based eviction.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class NodeTests(LifecycleCluster cluster)
{
    private const string LeaseNamespace = "kube-node-lease";
    private readonly ApiConnection _api = cluster.Api;

    [Fact]
    public async Task A_node_that_stops_renewing_its_lease_is_tainted_and_its_pods_evicted_and_one_that_returns_keeps_them()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var gone = $"gone-{suffix}";
        var back = $"back-{suffix}";
        using var goneKubelet = await FakeKubelet.StartAsync(_api, gone);
        using var backKubelet = await FakeKubelet.StartAsync(_api, back);
        await Wait.ForAsync("both nodes have a podCIDR", async () =>
            (await _api.GetAsync<V1Node>(null, gone)).Value?.Spec?.PodCIDR is not null
            && (await _api.GetAsync<V1Node>(null, back)).Value?.Spec?.PodCIDR is not null);
        var goneGuest = await BoundPodAsync(gone, tolerationSeconds: 2);
        var backGuest = await BoundPodAsync(back, tolerationSeconds: 5);

        // The first node goes silent: Unknown, both taints, then its pod is evicted.
        goneKubelet.Stop();
        var node = await Wait.ForAsync("node Ready=Unknown with both unreachable taints", async () =>
            (await _api.GetAsync<V1Node>(null, gone)).Value is { } n && HasUnreachableTaints(n) ? n : null);
        var ready = node.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."), (ready.Status, ready.Reason, ready.Message));
        await Wait.ForAsync("pod with tolerationSeconds 2 evicted", async () =>
            (await _api.GetAsync<V1Pod>(goneGuest.Metadata.NamespaceProperty, goneGuest.Metadata.Name)) is var r
            && (r.IsNotFound || r.Value?.Metadata.DeletionTimestamp is not null));
        var events = (await _api.ListAsync<Corev1Event>("default", new ListOptions { FieldSelector = $"involvedObject.name={gone}" })).Require();
        Assert.Contains(events.Items, e => e.Reason == "NodeNotReady");

        // The second node goes silent too, then comes back before its pod's 5 s run out.
        backKubelet.Stop();
        await Wait.ForAsync("second node tainted NoExecute", async () =>
            (await _api.GetAsync<V1Node>(null, back)).Value is { } n && HasUnreachableTaints(n), seconds: 40);
        backKubelet.Resume();
        await backKubelet.ReportReadyAsync();
        await Wait.ForAsync("taints removed from the returned node", async () =>
            (await _api.GetAsync<V1Node>(null, back)).Value is { } n && !(n.Spec.Taints ?? []).Any(t => t.Key.StartsWith("node.kubernetes.io/", StringComparison.Ordinal)));
        // Past the 5 s the pod would have had on a still-tainted node.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var kept = (await _api.GetAsync<V1Pod>(backGuest.Metadata.NamespaceProperty, backGuest.Metadata.Name)).Require();
        Assert.Null(kept.Metadata.DeletionTimestamp);
        Assert.Equal("True", (await _api.GetAsync<V1Node>(null, back)).Require().Status.Conditions.Single(c => c.Type == "Ready").Status);
    }

    [Fact]
    public async Task The_pods_of_a_silent_node_turn_not_ready_long_before_their_eviction()
    {
        var silent = $"silent-{Guid.NewGuid().ToString("N")[..6]}";
        using var kubelet = await FakeKubelet.StartAsync(_api, silent);
        var pod = await BoundPodAsync(silent, tolerationSeconds: 300);
        // As its kubelet would have reported it: running and ready.
        pod.Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] };
        (await _api.UpdateStatusAsync(pod)).Require();

        kubelet.Stop();
        var marked = await Wait.ForAsync("the pod Ready=False", async () =>
            (await _api.GetAsync<V1Pod>("default", pod.Metadata.Name)).Value is { } p
            && p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "False") == true ? p : null);

        Assert.Null(marked.Metadata.DeletionTimestamp);
        Assert.Equal("Running", marked.Status.Phase);
        Assert.Equal("Unknown", (await _api.GetAsync<V1Node>(null, silent)).Require().Status.Conditions.Single(c => c.Type == "Ready").Status);
        await _api.DeleteAsync<V1Pod>("default", pod.Metadata.Name);
    }

    private static bool HasUnreachableTaints(V1Node n) =>
        n.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status == "Unknown"
        && (n.Spec?.Taints ?? []).Count(t => t.Key == "node.kubernetes.io/unreachable" && t.Effect is "NoSchedule" or "NoExecute") == 2;

    private async Task<V1Pod> BoundPodAsync(string node, int tolerationSeconds)
    {
        var tolerations = new[] { "node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready" }
            .Select(k => new V1Toleration { Key = k, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = tolerationSeconds })
            .ToList();
        return (await _api.CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = $"guest-{node}", NamespaceProperty = "default" },
            Spec = new V1PodSpec { NodeName = node, Tolerations = tolerations, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        })).Require();
    }

    [Fact]
    public async Task Nodes_get_distinct_pod_cidrs_also_after_a_restart()
    {
        await using var server = await ServerProcess.StartNewAsync("--cluster-cidr", "10.44.0.0/16");
        var cidrs = new List<string>();
        using (var api = ApiConnection.FromKubeconfig(server.Kubeconfig))
        {
            foreach (var name in new[] { "a", "b", "c" })
            {
                cidrs.Add(await CreateNodeAndWaitForCidrAsync(api, name));
            }
        }
        Assert.Equal(3, cidrs.Distinct().Count());
        Assert.All(cidrs, c => Assert.Matches(@"^10\.44\.\d+\.0/24$", c));

        server.Kill();
        await server.StartAsync();
        using (var api = ApiConnection.FromKubeconfig(server.Kubeconfig))
        {
            var after = await CreateNodeAndWaitForCidrAsync(api, "d");
            Assert.DoesNotContain(after, cidrs);
            Assert.Matches(@"^10\.44\.\d+\.0/24$", after);
        }
    }

    private static async Task<string> CreateNodeAndWaitForCidrAsync(ApiConnection api, string name)
    {
        (await api.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } })).Require();
        var node = await Wait.ForAsync($"node {name} podCIDR", async () => (await api.GetAsync<V1Node>(null, name)).Value is { Spec.PodCIDR: not null } n ? n : null);
        Assert.Equal([node.Spec.PodCIDR], node.Spec.PodCIDRs);
        return node.Spec.PodCIDR;
    }

    /// <summary>What a kubelet does for the node lifecycle controller: a Node with Ready=True and a Lease renewed every 500 ms.</summary>
    internal sealed class FakeKubelet : IDisposable
    {
        private readonly ApiConnection _api;
        private readonly string _node;
        private CancellationTokenSource _renewing = new();
        private Task _loop = Task.CompletedTask;

        private FakeKubelet(ApiConnection api, string node)
        {
            _api = api;
            _node = node;
        }

        public static async Task<FakeKubelet> StartAsync(ApiConnection api, string node)
        {
            (await api.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node } })).Require();
            var kubelet = new FakeKubelet(api, node);
            await kubelet.RenewAsync();
            await kubelet.ReportReadyAsync();
            kubelet.Resume();
            return kubelet;
        }

        public async Task ReportReadyAsync()
        {
            var now = DateTime.UtcNow;
            var body = $$$"""{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"{{{now:yyyy-MM-ddTHH:mm:ssZ}}}","lastTransitionTime":"{{{now:yyyy-MM-ddTHH:mm:ssZ}}}"}]}}""";
            (await _api.PatchAsync<V1Node>(null, _node, PatchType.Merge, body, subresource: "status")).EnsureOk();
        }

        public void Stop() => _renewing.Cancel();

        public void Resume()
        {
            _renewing = new CancellationTokenSource();
            var ct = _renewing.Token;
            _loop = Task.Run(async () =>
            {
                while (!ct.IsCancellationRequested)
                {
                    await RenewAsync();
                    await Task.Delay(500, CancellationToken.None);
                }
            }, CancellationToken.None);
        }

        private async Task RenewAsync()
        {
            var now = DateTime.UtcNow;
            var lease = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = _node, NamespaceProperty = LeaseNamespace },
                Spec = new V1LeaseSpec { HolderIdentity = _node, LeaseDurationSeconds = 40, RenewTime = now },
            };
            var existing = await _api.GetAsync<V1Lease>(LeaseNamespace, _node);
            if (existing.Code == HttpStatusCode.NotFound)
            {
                (await _api.CreateAsync(lease)).Require();
                return;
            }
            var current = existing.Require();
            current.Spec.RenewTime = now;
            (await _api.UpdateAsync(current)).Require();
        }

        public void Dispose()
        {
            _renewing.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(5));
            _renewing.Dispose();
        }
    }
}
