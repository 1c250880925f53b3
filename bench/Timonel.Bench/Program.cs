// Benchmarks are run by hand and reported in docs/benchmarks.md; they are never timed assertions.
// Usage: dotnet run -c Release --project bench/Timonel.Bench -- BENCHMARK [flags]  (see bench/README.md)
using Timonel.Bench.Agent;
using Timonel.Bench.Controllers;
using Timonel.Bench.ApiServer;
using Timonel.Bench.Deployments;
using Timonel.Bench.Network;
using Timonel.Bench.Scheduler;
using Timonel.Bench.SchedulerE2E;
using Timonel.Bench.Storage;

var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["storage-write"] = StorageWriteBench.RunAsync,
    ["watch-latency"] = WatchLatencyBench.RunAsync,
    ["reopen"] = ReopenBench.RunAsync,
    ["apiserver-create"] = CreateBench.RunAsync,
    ["apiserver-create-steps"] = CreateStepsBench.RunAsync,
    ["apiserver-list"] = ListBench.RunAsync,
    ["apiserver-watch"] = WatchBench.RunAsync,
    ["apiserver-startup"] = StartupBench.RunAsync,
    ["apiserver-memory"] = MemoryBench.RunAsync,
    ["scheduler-throughput"] = SchedulerThroughputBench.RunAsync,
    ["deployment-rollout"] = DeploymentRolloutBench.RunAsync,
    ["rs-sync"] = RsSyncBench.RunAsync,
    ["scheduler-e2e"] = SchedulerE2EBench.RunAsync,
    ["service-proxy"] = ServiceProxyBench.RunAsync,
    ["ingress"] = IngressBench.RunAsync,
    ["pod-startup"] = PodStartupBench.RunAsync,
    ["runtime-floor"] = RuntimeFloorBench.RunAsync,
    ["up-cluster"] = UpClusterBench.RunAsync,
    ["ingress-cluster"] = IngressClusterBench.RunAsync,
    // Hidden: the load generator ingress-cluster runs inside a node's network namespace.
    ["http-load"] = HttpLoad.RunAsync,
    // Hidden: the reader of apiserver-create, in a process of its own.
    ["apiserver-get-probe"] = GetProbe.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: Timonel.Bench BENCHMARK [flags]; benchmarks: " + string.Join(", ", benchmarks.Keys));
    return 2;
}
return await run(args[1..]);
