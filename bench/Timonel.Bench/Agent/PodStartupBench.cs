using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Timonel.Bench.ApiServer;
using Timonel.Bench.SchedulerE2E;
using Timonel.Bench.Storage;
using Timonel.Client.Api;

namespace Timonel.Bench.Agent;

/// <summary>
/// pod-startup: a real one-node cluster made by `timonel up` in a temp data dir (the node in its own
/// network namespace, its own containerd, the project's images imported), then N pods of
/// timonel.local/http:1 (image cached, IfNotPresent) created at once on that node. Latency per pod
/// is from the start of its create request to the watch event that shows it Running with an IP
/// (creationTimestamp has one-second resolution, so the request start is the finer clock and
/// can only make the numbers larger). Then the agent's VmRSS with the pods running (containerd
/// is a separate process and not counted). `timonel down` removes everything at the end.
/// </summary>
internal static class PodStartupBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var pods = flags.Int("pods", 30);
        var port = flags.Int("port", 16443);
        var warmup = flags.Int("warmup-pods", 30);
        flags.CheckAllUsed();
        var dataDir = Path.Combine(Path.GetTempPath(), "timonel-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var up = Stopwatch.StartNew();
            await RunTimonelAsync("up", "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture), "--node-name", "bench-node", "--isolated");
            Console.WriteLine($"timonel up: node Ready after {up.Elapsed.TotalSeconds:F1} s");
            using var api = ApiConnection.FromKubeconfig(Path.Combine(dataDir, "kubeconfig"));
            var client = api.Kubernetes;
            var agentPid = int.Parse(File.ReadAllText(Path.Combine(dataDir, "nodes", "bench-node", "agent", "agent.pid")).Trim(), CultureInfo.InvariantCulture);
            var serverPid = int.Parse(File.ReadAllText(Path.Combine(dataDir, "server", "server.pid")).Trim(), CultureInfo.InvariantCulture);
            if (warmup > 0)
            {
                // A node that has run pods before: the JIT's final code for the pod paths of the
                // server, the agent and this load generator is in place (a fresh process spends a third
                // of the machine's CPU on tier-1 compilation during its first burst of pods).
                var (warm, _) = await RoundAsync(client, "warmup", warmup, agentPid, serverPid, quiet: true);
                await client.CoreV1.DeleteNamespaceAsync("warmup");
                var gone = Stopwatch.StartNew();
                while ((await client.CoreV1.ListNamespacedPodAsync("warmup")).Items.Count > 0 && gone.Elapsed < TimeSpan.FromMinutes(2))
                {
                    await Task.Delay(200);
                }
                await Task.Delay(3000);
                Console.WriteLine($"warm-up: {warm}/{warmup} pods Running, then deleted");
            }
            var (count, _) = await RoundAsync(client, "bench", pods, agentPid, serverPid, quiet: false);
            // Read 5 s after the burst (probes, status writes still settling), then 30 s after it, by
            // which time the agent has been quiet long enough to give its startup garbage back.
            await Task.Delay(5000);
            Console.WriteLine($"agent VmRSS with {count} pods running, 5 s after: {Rss(agentPid) / 1024.0:F1} MiB (containerd excluded)");
            await Task.Delay(25000);
            Console.WriteLine($"agent VmRSS with {count} pods running, 30 s after: {Rss(agentPid) / 1024.0:F1} MiB (containerd excluded)");
            return count == pods ? 0 : 1;
        }
        finally
        {
            await RunTimonelAsync("down", "--data-dir", dataDir);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Creates <paramref name="pods"/> pods at once in a new namespace and waits until all are Running; prints latencies and CPU.</summary>
    private static async Task<(int Running, List<double> Latencies)> RoundAsync(IKubernetes client, string ns, int pods, int agentPid, int serverPid, bool quiet)
    {
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        var started = new ConcurrentDictionary<string, long>();
        var running = new ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        var watch = WatchRunningAsync(client, ns, running, stop.Token);
        await Task.Delay(500);
        var cpu0 = (Machine: ProcCpu.Machine(), Agent: ProcCpu.Of(agentPid), Server: ProcCpu.Of(serverPid), Bench: Process.GetCurrentProcess().TotalProcessorTime);
        var window = Stopwatch.StartNew();
        var creates = Enumerable.Range(0, pods).Select(async i =>
        {
            var name = $"p{i:D3}";
            started[name] = Stopwatch.GetTimestamp();
            await client.CoreV1.CreateNamespacedPodAsync(Pod(name), ns);
        });
        await Task.WhenAll(creates);
        var deadline = Stopwatch.StartNew();
        while (running.Count < pods && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(100);
        }
        var (machine, agent, server, bench) = (ProcCpu.Machine() - cpu0.Machine, ProcCpu.Of(agentPid) - cpu0.Agent,
            ProcCpu.Of(serverPid) - cpu0.Server, Process.GetCurrentProcess().TotalProcessorTime - cpu0.Bench);
        await stop.CancelAsync();
        try { await watch; } catch (OperationCanceledException) { }
        var latencies = running.Select(r => Stopwatch.GetElapsedTime(started[r.Key], r.Value).TotalMilliseconds).Order().ToList();
        if (!quiet)
        {
            // What is not the agent, the server or this process is containerd, its shims, runc, the CNI
            // plugins and the containers themselves (on a quiet machine).
            var rest = machine - agent - server - bench;
            Console.WriteLine($"CPU from the creates to the last Running ({window.Elapsed.TotalSeconds:F1} s): whole machine {machine.TotalSeconds:F1} s " +
                $"of {Environment.ProcessorCount * window.Elapsed.TotalSeconds:F1} s available; agent {agent.TotalSeconds:F1} s, server {server.TotalSeconds:F1} s, " +
                $"bench {bench.TotalSeconds:F1} s, the rest {rest.TotalSeconds:F1} s ({rest.TotalMilliseconds / pods:F0} ms per pod)");
            Console.WriteLine($"{latencies.Count}/{pods} pods Running; create-to-Running p50 {Percentile(latencies, 0.5):F0} ms, " +
                $"p99 {Percentile(latencies, 0.99):F0} ms, max {latencies.LastOrDefault():F0} ms");
        }
        return (running.Count, latencies);
    }

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "startup" } },
        Spec = new V1PodSpec
        {
            TerminationGracePeriodSeconds = 1,
            Containers = [new V1Container { Name = "http", Image = "timonel.local/http:1", ImagePullPolicy = "IfNotPresent" }],
        },
    };

    private static async Task WatchRunningAsync(IKubernetes client, string ns, ConcurrentDictionary<string, long> running, CancellationToken ct)
    {
        await foreach (var (_, pod) in client.CoreV1.WatchListNamespacedPodAsync(ns, cancellationToken: ct))
        {
            if (pod.Status?.Phase == "Running" && !string.IsNullOrEmpty(pod.Status.PodIP))
            {
                running.TryAdd(pod.Metadata.Name, Stopwatch.GetTimestamp());
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static long Rss(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static async Task RunTimonelAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        info.ArgumentList.Add(BenchServer.TimonelDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start timonel");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"timonel {args[0]} exited {process.ExitCode}");
        }
    }
}
