using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Timonel.Client.Api;
using Timonel.Controllers.Tests.Workloads;
using Xunit.Abstractions;

namespace Timonel.Controllers.Tests.Recovery;

/// <summary>
/// kill -9 of `timonel server` ten times while a Deployment rolls out onto simulated nodes served by
/// a separate agent process that keeps running: the rollout still completes, the surge and
/// availability limits hold whenever the server answers, and no ReplicaSet or pod is duplicated or orphaned.
/// </summary>
public sealed class RolloutCrashTests(ITestOutputHelper output)
{
    private const int Replicas = 6;
    private const int MaxPods = Replicas + 1;
    private const int Crashes = 10;
    private const string Ns = "crash";
    private const string Name = "web";
    private const string NodePrefix = "crash-";

    private sealed record Sample(TimeSpan At, int Pods, int Available);

    [Fact]
    public async Task Rollout_completes_within_limits_through_ten_kill_9_restarts_of_the_server()
    {
        await using var server = await ServerProcess.StartNewAsync();
        using var agent = SimulatedAgentProcess.Start(server, 3, NodePrefix);
        using var api = ApiConnection.FromKubeconfig(server.Kubeconfig);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"random seed {seed}");
        try
        {
            await WorkloadsFixture.EventuallyAsync(() => ReadyNodesAsync(api), n => n == 3, "three simulated nodes Ready with a podCIDR");
            (await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } })).Require();
            (await api.CreateAsync(WorkloadsFixture.Deployment(Ns, Name, Replicas, "busybox:1", "1", "0"))).Require();
            await WaitCompleteAsync(api, "busybox:1");

            var clock = Stopwatch.StartNew();
            var samples = new ConcurrentQueue<Sample>();
            var unanswered = 0;
            using var stopSampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stopSampling.IsCancellationRequested)
                {
                    try
                    {
                        var (pods, available) = await CountPodsAsync(api);
                        samples.Enqueue(new Sample(clock.Elapsed, pods, available));
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                    {
                        // The server is down (killed or starting): nothing to observe.
                        Interlocked.Increment(ref unanswered);
                    }
                    await Task.Delay(100);
                }
            });

            var image = 1;
            await SetImageAsync(api, $"busybox:{++image}");
            var midRollout = 0;
            for (var crash = 0; crash < Crashes; crash++)
            {
                await Task.Delay(random.Next(300, 2000));
                // Every crash should land mid-rollout: when the last image change has completed, start another.
                if (await IsCompleteAsync(api, $"busybox:{image}"))
                {
                    await SetImageAsync(api, $"busybox:{++image}");
                }
                else
                {
                    midRollout++;
                }
                server.Kill();
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F1}s kill -9 #{crash + 1} (target busybox:{image})");
                await Task.Delay(random.Next(0, 500));
                await server.StartAsync();
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F1}s server ready again");
            }

            var deployment = await WaitCompleteAsync(api, $"busybox:{image}", seconds: 90);
            var pods = await WorkloadsFixture.EventuallyAsync(() => ListPodsAsync(api), p => p.Count == Replicas, "only the six pods of the final template left");
            await Task.Delay(500);
            await stopSampling.CancelAsync();
            await sampler;
            output.WriteLine($"{midRollout} of {Crashes} crashes found the rollout in progress; {image - 1} image changes; {samples.Count} samples, {unanswered} unanswered");
            output.WriteLine("pods/available: " + string.Join(" ", samples.Select(s => $"{s.Pods}/{s.Available}")));

            // The rollout completed on the last template.
            Assert.Equal(deployment.Metadata.Generation, deployment.Status.ObservedGeneration);
            Assert.Equal(Replicas, deployment.Status.UpdatedReplicas);
            Assert.Equal(Replicas, deployment.Status.Replicas);
            Assert.Equal(Replicas, deployment.Status.AvailableReplicas);
            Assert.All(pods, p => Assert.Equal($"busybox:{image}", p.Spec.Containers[0].Image));

            // Limits held whenever the server answered.
            Assert.True(samples.Count > 20, $"only {samples.Count} samples");
            Assert.True(samples.Max(s => s.Pods) <= MaxPods, "more than replicas + maxSurge pods: " + Describe(samples, s => s.Pods > MaxPods));
            Assert.True(samples.Min(s => s.Available) >= Replicas, "fewer than replicas - maxUnavailable available: " + Describe(samples, s => s.Available < Replicas));

            // One ReplicaSet per template, all controlled by the deployment; every pod controlled by one of them.
            var sets = (await api.ListAsync<V1ReplicaSet>(Ns)).Require().Items;
            Assert.All(sets.GroupBy(rs => rs.Metadata.Labels["pod-template-hash"]), g => Assert.Single(g));
            Assert.All(sets.GroupBy(rs => rs.Spec.Template.Spec.Containers[0].Image), g => Assert.Single(g));
            Assert.Contains(sets, rs => rs.Spec.Template.Spec.Containers[0].Image == $"busybox:{image}");
            Assert.All(sets, rs => Assert.Contains(rs.Metadata.OwnerReferences ?? [], o => o.Controller == true && o.Kind == "Deployment" && o.Uid == deployment.Metadata.Uid));
            var setUids = sets.Select(rs => rs.Metadata.Uid).ToHashSet();
            var allPods = (await api.ListAsync<V1Pod>(Ns)).Require().Items;
            Assert.All(allPods, p => Assert.Contains(p.Metadata.OwnerReferences ?? [], o => o.Controller == true && o.Kind == "ReplicaSet" && setUids.Contains(o.Uid)));

            // The same agent process served the whole test and still answers after the last restart.
            Assert.False(agent.HasExited, "the agent exited:\n" + agent.Output);
            await ProbeAgentAsync(api);
        }
        finally
        {
            output.WriteLine("--- server (tail) ---\n" + Tail(server.Output, 60));
            output.WriteLine("--- agent (tail) ---\n" + Tail(agent.Output, 60));
        }
    }

    /// <summary>A pod bound by hand to a simulated node after the last restart becomes Running only if the agent's watch reconnected.</summary>
    private static async Task ProbeAgentAsync(ApiConnection api)
    {
        var probe = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "agent-probe", NamespaceProperty = "default" },
            Spec = new V1PodSpec { NodeName = NodePrefix + "0", Containers = [new V1Container { Name = "c", Image = "busybox:1" }] },
        };
        (await api.CreateAsync(probe)).Require();
        await WorkloadsFixture.EventuallyAsync(async () => (await api.GetAsync<V1Pod>("default", "agent-probe")).Require(),
            p => p.Status?.Phase == "Running", "the agent to run a pod bound after the last server restart", seconds: 60);
    }

    private static async Task<int> ReadyNodesAsync(ApiConnection api) =>
        (await api.ListAsync<V1Node>(null)).Require().Items.Count(n => n.Metadata.Name.StartsWith(NodePrefix, StringComparison.Ordinal)
            && n.Spec?.PodCIDR is not null && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);

    private static async Task<bool> IsCompleteAsync(ApiConnection api, string image) =>
        Complete((await api.GetAsync<V1Deployment>(Ns, Name)).Require(), image);

    private static bool Complete(V1Deployment d, string image) =>
        d.Spec.Template.Spec.Containers[0].Image == image
        && d.Status?.ObservedGeneration == d.Metadata.Generation
        && d.Status!.UpdatedReplicas == d.Spec.Replicas && d.Status.Replicas == d.Spec.Replicas && d.Status.AvailableReplicas == d.Spec.Replicas;

    private static Task<V1Deployment> WaitCompleteAsync(ApiConnection api, string image, int seconds = 45) =>
        WorkloadsFixture.EventuallyAsync(async () => (await api.GetAsync<V1Deployment>(Ns, Name)).Require(), d => Complete(d, image), $"rollout complete on {image}", seconds);

    private static async Task SetImageAsync(ApiConnection api, string image) =>
        (await api.PatchAsync<V1Deployment>(Ns, Name, PatchType.StrategicMerge,
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"" + image + "\"}]}}}}")).Require();

    private static async Task<List<V1Pod>> ListPodsAsync(ApiConnection api) => (await api.ListAsync<V1Pod>(Ns)).Require().Items;

    /// <summary>
    /// Non-terminating pods controlled by a ReplicaSet of the deployment when the pods were listed,
    /// and how many are Ready. The sets are listed before and after the pods: a set created in
    /// between (a rollout's new set, whose first pod can become Ready and let an old pod go before
    /// the pod list is served) is in the second list, a set deleted in between in the first, so
    /// every listed pod's set is known and the count is neither larger nor smaller than the pods.
    /// </summary>
    private static async Task<(int Pods, int Available)> CountPodsAsync(ApiConnection api)
    {
        var sets = await DeploymentSetUidsAsync(api);
        var all = await ListPodsAsync(api);
        sets.UnionWith(await DeploymentSetUidsAsync(api));
        var pods = all
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(o => o.Controller == true && sets.Contains(o.Uid)) == true)
            .ToList();
        return (pods.Count, pods.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true));
    }

    private static async Task<HashSet<string>> DeploymentSetUidsAsync(ApiConnection api) =>
        (await api.ListAsync<V1ReplicaSet>(Ns)).Require().Items
            .Where(rs => rs.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Name == Name) == true)
            .Select(rs => rs.Metadata.Uid).ToHashSet(StringComparer.Ordinal);

    private static string Describe(IEnumerable<Sample> samples, Func<Sample, bool> bad) =>
        string.Join(" ", samples.Where(bad).Select(s => $"{s.At.TotalSeconds:F1}s:{s.Pods}/{s.Available}"));

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
