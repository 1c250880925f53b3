using System.Diagnostics;
using k8s.Models;
using Timonel.Scheduler;
using Timonel.Scheduler.Algorithm;

namespace Timonel.Bench.Scheduler;

/// <summary>
/// Pods scheduled per second by the core alone (no API): N nodes of 32 cpu / 128Gi, M pending pods
/// of 100m / 128Mi, each binding confirmed at once as the informer would. Flags: --nodes, --pods, --parallel-threshold, and --spread (zone maxSkew 1) or --anti-affinity (one per host) on every pod,
/// or --owned (every pod controlled by one ReplicaSet whose selector the scheduler knows, so the system default spreading scores).
/// </summary>
internal static class SchedulerThroughputBench
{
    private sealed class Confirming : ISchedulingDecisionSink
    {
        public PodScheduler? Scheduler { get; set; }
        public int Bound { get; private set; }
        public int Failed { get; private set; }

        public void Emit(SchedulingDecision decision)
        {
            if (decision is BindPod bind)
            {
                Bound++;
                var key = $"{bind.Pod.Metadata.NamespaceProperty}/{bind.Pod.Metadata.Name}";
                Scheduler!.BindingSucceeded(key);
                var bound = new V1Pod { Metadata = bind.Pod.Metadata, Spec = new V1PodSpec { NodeName = bind.NodeName, Containers = bind.Pod.Spec.Containers, Affinity = bind.Pod.Spec.Affinity, TopologySpreadConstraints = bind.Pod.Spec.TopologySpreadConstraints } };
                Scheduler.OnPodUpdated(bound);
            }
            else
            {
                Failed++;
            }
        }
    }

    public static Task<int> RunAsync(string[] args)
    {
        var nodes = Flag(args, "--nodes", 5000);
        var pods = Flag(args, "--pods", 20000);
        var sink = new Confirming();
        var threshold = Flag(args, "--parallel-threshold", new SchedulerOptions().ParallelThreshold);
        var scheduler = new PodScheduler(new SchedulerOptions { ParallelThreshold = threshold }, TimeProvider.System, sink, random: new Random(1));
        sink.Scheduler = scheduler;
        for (var i = 0; i < nodes; i++)
        {
            scheduler.OnNodeAdded(new V1Node
            {
                Metadata = new V1ObjectMeta { Name = $"node-{i:D5}", Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = $"node-{i:D5}", ["topology.kubernetes.io/zone"] = $"zone-{i % 3}" } },
                Status = new V1NodeStatus { Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("32"), ["memory"] = new("128Gi"), ["pods"] = new("110") } },
            });
        }
        var workload = args.Contains("--spread") ? "spread" : args.Contains("--anti-affinity") ? "anti-affinity" : args.Contains("--owned") ? "owned" : "plain";
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "bench" } };
        if (workload == "owned")
        {
            scheduler.Workloads.SetController("ReplicaSet", "bench", "bench-rs", selector);
        }
        for (var i = 0; i < pods; i++)
        {
            var pod = new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = $"pod-{i}", NamespaceProperty = "bench", Uid = $"uid-{i}", Labels = new Dictionary<string, string> { ["app"] = "bench" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "app:1", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") } } }] },
            };
            if (workload == "spread")
            {
                pod.Spec.TopologySpreadConstraints = [new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "DoNotSchedule", LabelSelector = selector }];
            }
            else if (workload == "owned")
            {
                pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "bench-rs", Uid = "rs-uid", Controller = true }];
            }
            else if (workload == "anti-affinity")
            {
                pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [new V1PodAffinityTerm { TopologyKey = "kubernetes.io/hostname", LabelSelector = selector }] } };
            }
            scheduler.OnPodAdded(pod);
        }
        // Process CPU as well as wall time: on a shared machine CPU per pod varies far less.
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        while (scheduler.ScheduleOne() is not null)
        {
        }
        watch.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.WriteLine($"workload={workload} nodes={nodes} pods={pods} bound={sink.Bound} failed={sink.Failed} seconds={watch.Elapsed.TotalSeconds:F2} pods/s={sink.Bound / watch.Elapsed.TotalSeconds:F0} cpu-seconds={cpu.TotalSeconds:F2} pods/cpu-s={sink.Bound / cpu.TotalSeconds:F0}");
        return Task.FromResult(sink.Failed == 0 ? 0 : 1);
    }

    private static int Flag(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
