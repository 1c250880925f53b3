namespace Timonel.E2E.ApiServer.Tests;

/// <summary>
/// `kubectl drain` evicts pods through pods/eviction, which keeps PodDisruptionBudgets: a pod
/// whose budget would break is refused (429, drain retries), the rest are deleted.
/// </summary>
/// <remarks>
/// The server runs without controllers: the node here has no agent, and the node lifecycle
/// controller would rightly mark its pods not ready, which is not what this test is about.
/// </remarks>
public sealed class EvictionTests : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartNewAsync("--disable-controllers");
        _kubectl = new Kubectl(_server);
    }

    public async Task DisposeAsync()
    {
        _kubectl?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task<string> Ok(params string[] args)
    {
        var r = await _kubectl.RunAsync(args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {r.All}");
        return r.Stdout;
    }

    private const string Setup = """
        apiVersion: v1
        kind: Node
        metadata: {name: drained, labels: {kubernetes.io/hostname: drained}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: evict, labels: {app: kept}}
        spec: {nodeName: drained, containers: [{name: c, image: busybox}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: evict, labels: {app: kept}}
        spec: {nodeName: drained, containers: [{name: c, image: busybox}]}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: keep-two, namespace: evict}
        spec:
          minAvailable: 2
          selector: {matchLabels: {app: kept}}
        """;

    private const string ReadyStatus = """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""";

    [Fact]
    public async Task Drain_is_refused_by_a_budget_and_evicts_once_the_budget_allows()
    {
        await Ok("create", "namespace", "evict");
        var applied = await _kubectl.RunWithInputAsync(Setup, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.All);
        foreach (var pod in new[] { "a", "b" })
        {
            await Ok("patch", "pod", pod, "-n", "evict", "--subresource=status", "--type=merge", "-p", ReadyStatus);
        }

        var refused = await _kubectl.RunAsync("drain", "drained", "--force", "--grace-period=0", "--timeout=3s");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.True(refused.All.Contains("Cannot evict pod as it would violate the pod's disruption budget", StringComparison.Ordinal), refused.All);
        Assert.Contains("a b", await Ok("get", "pods", "-n", "evict", "-o", "jsonpath={.items[*].metadata.name}"));

        await Ok("patch", "pdb", "keep-two", "-n", "evict", "--type=merge", "-p", """{"spec":{"minAvailable":1}}""");
        var evicted = await _kubectl.RunAsync("drain", "drained", "--force", "--grace-period=0", "--timeout=15s", "--pod-selector=app=kept");

        // One pod may go (two healthy, one must stay); the second waits on the budget.
        Assert.Contains("evicting pod evict/", evicted.All);
        var left = await Ok("get", "pods", "-n", "evict", "-o", "jsonpath={.items[*].metadata.name}");
        Assert.True(left is "a" or "b", $"left: '{left}'\n{evicted.All}");
        Assert.Contains("SchedulingDisabled", await Ok("get", "node", "drained"));
    }
}
