using System.Diagnostics;
using k8s.Models;
using Timonel.Api.Selectors;
using Timonel.Bench.Storage;
using Timonel.Client.Informers;
using Timonel.Controllers.ReplicaSets;
using Timonel.Controllers.Workloads;

namespace Timonel.Bench.Controllers;

/// <summary>
/// CPU of the pod part of one ReplicaSet sync, in process, no API: a pod informer cache holding
/// the set's P pods (Running, Ready, owned) plus F pods of another set in the same namespace (as
/// during a rolling update), then S syncs' worth of read pods + claim + active filter + status.
/// Nothing is adopted or released, so no write (and no API connection) is needed.
/// </summary>
internal static class RsSyncBench
{
    private const string Namespace = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var pods = flags.Int("pods", 10_000);
        var foreign = flags.Int("foreign", 2_500);
        var syncs = flags.Int("syncs", 300);
        var minReady = flags.Int("min-ready-seconds", 0);
        flags.CheckAllUsed();

        var rs = ReplicaSet("web-new", "uid-new", "new", pods, minReady);
        var other = ReplicaSet("web-old", "uid-old", "old", foreign, minReady);
        var cache = new InformerCache<V1Pod>();
        RsSyncPods.Register(cache);
        lock (cache.Sync)
        {
            Fill(cache, rs, pods);
            Fill(cache, other, foreign);
        }
        var now = DateTimeOffset.UtcNow;
        // Warm-up: tiered JIT reaches its optimized code.
        for (var i = 0; i < 30; i++)
        {
            await RsSyncPods.OneSyncAsync(cache, rs, now).ConfigureAwait(false);
        }
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        var wall = Stopwatch.StartNew();
        V1ReplicaSetStatus? status = null;
        for (var i = 0; i < syncs; i++)
        {
            status = await RsSyncPods.OneSyncAsync(cache, rs, now).ConfigureAwait(false);
        }
        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        if (status is null || status.Replicas != pods || status.ReadyReplicas != pods || status.FullyLabeledReplicas != pods)
        {
            Console.Error.WriteLine($"wrong status: replicas={status?.Replicas} ready={status?.ReadyReplicas} labeled={status?.FullyLabeledReplicas}");
            return 1;
        }
        Console.WriteLine($"rs-sync pods={pods} foreign={foreign} syncs={syncs} min-ready-seconds={minReady} available={status.AvailableReplicas}");
        Console.WriteLine($"cpu per sync {cpu.TotalMilliseconds / syncs:F3} ms, wall per sync {wall.Elapsed.TotalMilliseconds / syncs:F3} ms, allocated per sync {alloc / syncs / 1024.0:F1} KiB");
        return 0;
    }

    private static V1ReplicaSet ReplicaSet(string name, string uid, string hash, int replicas, int minReady)
    {
        var labels = new Dictionary<string, string> { ["app"] = "web", ["pod-template-hash"] = hash };
        return new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Uid = uid, Generation = 1 },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = replicas,
                MinReadySeconds = minReady,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) } },
            },
        };
    }

    private static void Fill(InformerCache<V1Pod> cache, V1ReplicaSet rs, int count)
    {
        var since = DateTime.UtcNow.AddMinutes(-5);
        for (var i = 0; i < count; i++)
        {
            var pod = new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"{rs.Metadata.Name}-{i:D5}",
                    NamespaceProperty = Namespace,
                    Uid = $"{rs.Metadata.Uid}-pod-{i}",
                    ResourceVersion = "1",
                    Labels = new Dictionary<string, string>(rs.Spec.Template.Metadata.Labels),
                    OwnerReferences = [OwnerRefs.NewControllerRef(rs, "apps/v1", "ReplicaSet")],
                },
                Spec = new V1PodSpec { NodeName = $"node-{i % 1000:D4}" },
                Status = new V1PodStatus
                {
                    Phase = "Running",
                    // The kubelet's order: Ready is not the first condition.
                    Conditions =
                    [
                        new V1PodCondition { Type = "PodReadyToStartContainers", Status = "True", LastTransitionTime = since },
                        new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = since },
                        new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = since },
                        new V1PodCondition { Type = "ContainersReady", Status = "True", LastTransitionTime = since },
                        new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = since },
                    ],
                },
            };
            cache.Upsert(InformerCache<V1Pod>.KeyOf(pod), pod);
        }
    }
}
