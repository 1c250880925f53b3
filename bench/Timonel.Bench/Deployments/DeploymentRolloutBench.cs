using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Timonel.Bench.ApiServer;
using Timonel.Client.Api;

namespace Timonel.Bench.Deployments;

/// <summary>
/// The whole control plane at scale: a server process and one simulated agent process with N nodes;
/// a Deployment of R replicas applied through the API, timed to all pods Running and Ready (seen
/// by a watch), then a rolling update to a new image with the default 25%/25% strategy, timed to
/// completion, with the surge and availability limits checked after every watch event.
/// Flags: --nodes 1000 --replicas 10000 --lease-renew-interval 10m --node-monitor-grace-period 30m
/// --cluster-cidr 10.0.0.0/8 --timeout-seconds 900.
/// </summary>
internal static class DeploymentRolloutBench
{
    private const string Ns = "bench";
    private const string Name = "web";

    public static async Task<int> RunAsync(string[] args)
    {
        var nodes = Flag(args, "--nodes", 1000);
        var replicas = Flag(args, "--replicas", 10000);
        var timeout = TimeSpan.FromSeconds(Flag(args, "--timeout-seconds", 900));
        var lease = FlagText(args, "--lease-renew-interval", "10m");
        // 25% of replicas, rounded up for surge and down for unavailability, as upstream.
        var maxLive = replicas + (int)Math.Ceiling(replicas * 0.25);
        var minReady = replicas - (int)Math.Floor(replicas * 0.25);

        // The default 10.42.0.0/16 holds only 256 node /24s; a /8 holds 65,536.
        // Leases renewed every 10 min need a node monitor grace period above that, or the node
        // lifecycle controller marks the nodes (and so their pods) not Ready mid-run.
        var grace = FlagText(args, "--node-monitor-grace-period", "30m");
        await using var server = await BenchServer.StartNewAsync("--cluster-cidr", FlagText(args, "--cluster-cidr", "10.0.0.0/8"),
            "--node-monitor-grace-period", grace);
        using var agent = BenchAgent.Start(server, nodes, lease);
        using var api = new ApiConnection(server.Url, File.ReadAllText(Path.Combine(server.DataDir, "server", "tls", "ca.crt")),
            File.ReadAllText(Path.Combine(server.DataDir, "server", "admin.token")).Trim());
        var clock = Stopwatch.StartNew();
        await WaitAsync(async () => await ReadyNodesAsync(api) >= nodes, TimeSpan.FromMinutes(5), "nodes Ready with a podCIDR", agent);
        Console.WriteLine($"nodes={nodes} registered and Ready with podCIDRs in {clock.Elapsed.TotalSeconds:F1} s (lease renew interval {lease})");

        (await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } })).Require();
        var tracker = new PodTracker(clock);
        using var stopWatching = new CancellationTokenSource();
        var watcher = WatchPodsAsync(api, tracker, stopWatching.Token);

        var cpu0 = (Server: server.CpuTime(), Agent: agent.CpuTime(), Bench: Process.GetCurrentProcess().TotalProcessorTime);
        var applied = clock.Elapsed;
        (await api.PatchAsync<V1Deployment>(Ns, Name, PatchType.Apply, DeploymentJson(replicas, "app:1"), fieldManager: "bench")).Require();
        await WaitAsync(() => Task.FromResult(tracker.Stats("app:1").Ready >= replicas), timeout, $"{replicas} pods Running", agent, tracker, watcher);
        var running = clock.Elapsed - applied;
        await WaitAsync(async () => Complete(await GetAsync(api), "app:1"), timeout, "deployment status complete", agent, tracker, watcher);
        var statusDone = clock.Elapsed - applied;
        var cpu1 = (Server: server.CpuTime(), Agent: agent.CpuTime(), Bench: Process.GetCurrentProcess().TotalProcessorTime);
        var first = tracker.Stats("app:1");
        Console.WriteLine($"create: replicas={replicas} all Running+Ready {running.TotalSeconds:F1} s after apply (status complete {statusDone.TotalSeconds:F1} s); "
            + $"last pod created {(first.LastCreated - applied).TotalSeconds:F1} s, last bound {(first.LastBound - applied).TotalSeconds:F1} s, last Ready {(first.LastReady - applied).TotalSeconds:F1} s; "
            + $"CPU server {(cpu1.Server - cpu0.Server).TotalSeconds:F1} s, agent {(cpu1.Agent - cpu0.Agent).TotalSeconds:F1} s, bench {(cpu1.Bench - cpu0.Bench).TotalSeconds:F1} s");

        tracker.ArmLimits();
        var patched = clock.Elapsed;
        (await api.PatchAsync<V1Deployment>(Ns, Name, PatchType.Apply, DeploymentJson(replicas, "app:2"), fieldManager: "bench")).Require();
        await WaitAsync(() => Task.FromResult(tracker.Stats("app:2").Ready >= replicas && tracker.Total == replicas), timeout,
            $"{replicas} pods of the new image and no old pod", agent, tracker, watcher);
        var rolled = clock.Elapsed - patched;
        await WaitAsync(async () => Complete(await GetAsync(api), "app:2"), timeout, "deployment status complete", agent, tracker, watcher);
        var rolledStatus = clock.Elapsed - patched;
        var cpu2 = (Server: server.CpuTime(), Agent: agent.CpuTime(), Bench: Process.GetCurrentProcess().TotalProcessorTime);
        var second = tracker.Stats("app:2");
        await stopWatching.CancelAsync();
        await watcher;
        var limitsHeld = tracker.MaxLive <= maxLive && tracker.MinLiveReady >= minReady;
        Console.WriteLine($"rollout: all {replicas} on the new image, old pods gone {rolled.TotalSeconds:F1} s after the patch (status complete {rolledStatus.TotalSeconds:F1} s); "
            + $"last new pod created {(second.LastCreated - patched).TotalSeconds:F1} s, last bound {(second.LastBound - patched).TotalSeconds:F1} s, last Ready {(second.LastReady - patched).TotalSeconds:F1} s, last old pod deleted {(tracker.LastDeleted - patched).TotalSeconds:F1} s; "
            + $"CPU server {(cpu2.Server - cpu1.Server).TotalSeconds:F1} s, agent {(cpu2.Agent - cpu1.Agent).TotalSeconds:F1} s, bench {(cpu2.Bench - cpu1.Bench).TotalSeconds:F1} s");
        Console.WriteLine($"limits: max non-terminating pods {tracker.MaxLive} (limit {maxLive}), min ready {tracker.MinLiveReady} (limit {minReady}) over {tracker.Events} watch events: {(limitsHeld ? "held" : "BROKEN")}");
        return limitsHeld ? 0 : 1;
    }

    private static async Task WatchPodsAsync(ApiConnection api, PodTracker tracker, CancellationToken ct)
    {
        var list = (await api.ListAsync<V1Pod>(Ns, ct: ct)).Require();
        foreach (var pod in list.Items)
        {
            tracker.Apply(WatchEventType.Added, pod);
        }
        var options = new ListOptions { ResourceVersion = list.Metadata?.ResourceVersion, AllowWatchBookmarks = true, TimeoutSeconds = 3600 };
        try
        {
            await foreach (var e in api.WatchAsync<V1Pod>(Ns, options, ct))
            {
                if (e.Type == WatchEventType.Error)
                {
                    throw new InvalidOperationException($"pod watch failed: {e.Status?.Code} {e.Status?.Message}");
                }
                if (e.Object is not null && e.Type != WatchEventType.Bookmark)
                {
                    tracker.Apply(e.Type, e.Object);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan timeout, string what, BenchAgent agent, PodTracker? tracker = null, Task? watcher = null)
    {
        var deadline = Stopwatch.StartNew();
        var progress = Stopwatch.StartNew();
        while (!await done())
        {
            if (agent.HasExited) throw new InvalidOperationException("the agent exited");
            if (watcher is { IsCompleted: true }) await watcher;
            if (deadline.Elapsed > timeout) throw new TimeoutException($"no {what} after {timeout}");
            if (tracker is not null && progress.Elapsed > TimeSpan.FromSeconds(5))
            {
                var (total, live, ready) = tracker.Counts();
                Console.Error.WriteLine($"  {deadline.Elapsed.TotalSeconds:F0} s: pods {total}, non-terminating {live}, ready {ready}; app:1 bound {tracker.Stats("app:1").Bound}, app:2 created {tracker.Stats("app:2").Created} bound {tracker.Stats("app:2").Bound} ready {tracker.Stats("app:2").Ready}");
                progress.Restart();
            }
            await Task.Delay(100);
        }
    }

    private static async Task<int> ReadyNodesAsync(ApiConnection api) =>
        (await api.ListAsync<V1Node>(null)).Require().Items.Count(n => n.Spec?.PodCIDR is not null
            && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);

    private static async Task<V1Deployment> GetAsync(ApiConnection api) => (await api.GetAsync<V1Deployment>(Ns, Name)).Require();

    private static bool Complete(V1Deployment d, string image) =>
        d.Spec.Template.Spec.Containers[0].Image == image
        && d.Status?.ObservedGeneration == d.Metadata.Generation
        && d.Status!.UpdatedReplicas == d.Spec.Replicas && d.Status.Replicas == d.Spec.Replicas && d.Status.AvailableReplicas == d.Spec.Replicas;

    /// <summary>No strategy: the server's default (RollingUpdate 25%/25%) applies.</summary>
    private static string DeploymentJson(int replicas, string image) => k8s.KubernetesJson.Serialize(new V1Deployment
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Ns },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = Name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = Name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image }] },
            },
        },
    });

    private static int Flag(string[] args, string name, int fallback) =>
        int.Parse(FlagText(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string FlagText(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
