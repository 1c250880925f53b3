using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Timonel.Bench.ApiServer;
using Timonel.Bench.Storage;

namespace Timonel.Bench.SchedulerE2E;

/// <summary>
/// scheduler-e2e: like upstream scheduler_perf's SchedulingBasic, through the real API. A server
/// process (controllers off: no node lifecycle or IPAM traffic), one simulated agent registering N
/// nodes (4 cpu / 32Gi / 110 pods; Leases renewed every --lease-renew-interval, long by default so
/// lease writes stay out of the measurement), P pods created and placed first, then M measured pods
/// (100m / 500Mi) created by C concurrent creators. Throughput: pods seen bound (spec.nodeName set)
/// on a watch, sampled each second, first sample dropped, averaged. Latency: create acknowledged
/// (201) to binding seen on the watch. Server VmRSS at the end.
/// </summary>
internal static class SchedulerE2EBench
{
    private const string Namespace = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var nodes = flags.Int("nodes", 5000);
        var placed = flags.Int("placed", 1000);
        var measured = flags.Int("pods", 10000);
        var creators = flags.Int("creators", 64);
        var lease = flags.String("lease-renew-interval", "10m");
        // --scheduler off: the same creates and watches with no scheduler, to split the server's CPU.
        var schedulerOn = flags.String("scheduler", "on") != "off";
        flags.CheckAllUsed();

        await using var server = await BenchServer.StartNewAsync(schedulerOn ? ["--disable-controllers"] : ["--disable-controllers", "--disable-scheduler"]);
        using var agent = BenchAgent.Start(server, nodes, lease);
        using var client = server.Client(BenchHttp.Http2, creators);
        using var watchClient = server.Client(BenchHttp.Http11, 2);
        Console.WriteLine($"scheduler-e2e: {nodes} simulated nodes, {placed} placed pods, {measured} measured pods, {creators} creators, lease renewal every {lease}, controllers off");

        var clock = Stopwatch.StartNew();
        await WaitForNodesAsync(client, nodes, agent);
        Console.WriteLine($"  {nodes} nodes registered in {clock.Elapsed.TotalSeconds:F1} s; server VmRSS {server.ResidentBytes() / 1048576.0:F0} MiB");
        (await client.PostAsync("/api/v1/namespaces", Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{Namespace}}}"}}"""))).EnsureSuccessStatusCode();

        using var stop = new CancellationTokenSource();
        var watcher = new BindingWatcher(watchClient, Namespace, name => name.StartsWith('m'));
        var placedWatcher = new BindingWatcher(watchClient, Namespace, name => name.StartsWith('p'));
        var opened = new TaskCompletionSource();
        var placedOpened = new TaskCompletionSource();
        var watching = watcher.RunAsync(opened, stop.Token);
        var placedWatching = placedWatcher.RunAsync(placedOpened, stop.Token);
        await Task.WhenAll(opened.Task, placedOpened.Task);

        clock.Restart();
        await CreateAsync(client, "p", placed, creators, new ConcurrentDictionary<string, long>());
        if (!schedulerOn)
        {
            var cpu0 = (Server: ProcCpu.Of(server.Pid), Bench: Process.GetCurrentProcess().TotalProcessorTime);
            clock.Restart();
            await CreateAsync(client, "m", measured, creators, new ConcurrentDictionary<string, long>());
            Console.WriteLine($"  scheduler off: created {measured} pods in {clock.Elapsed.TotalSeconds:F1} s ({measured / clock.Elapsed.TotalSeconds:F0}/s); server CPU {(ProcCpu.Of(server.Pid) - cpu0.Server).TotalMilliseconds / measured:F2} ms/pod, load generator CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0.Bench).TotalMilliseconds / measured:F2} ms/pod");
            await stop.CancelAsync();
            await Task.WhenAll(watching, placedWatching);
            return 0;
        }
        for (var waited = Stopwatch.StartNew(); placedWatcher.Bound < placed; await Task.Delay(100))
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"only {placedWatcher.Bound}/{placed} placed pods bound after 5 minutes");
        }
        Console.WriteLine($"  {placed} pods placed in {clock.Elapsed.TotalSeconds:F1} s");

        var cpuBefore = (Server: ProcCpu.Of(server.Pid), Agent: ProcCpu.Of(agent.Pid), Machine: ProcCpu.Machine(), Bench: Process.GetCurrentProcess().TotalProcessorTime);
        var createdAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        clock.Restart();
        var sampling = watcher.SampleUntilAsync(measured, TimeSpan.FromMinutes(10), stop.Token);
        var creating = CreateAsync(client, "m", measured, creators, createdAt);
        await creating;
        var created = clock.Elapsed;
        await sampling;
        var elapsed = clock.Elapsed;
        var cpu = (Server: ProcCpu.Of(server.Pid) - cpuBefore.Server, Agent: ProcCpu.Of(agent.Pid) - cpuBefore.Agent, Machine: ProcCpu.Machine() - cpuBefore.Machine,
            Bench: Process.GetCurrentProcess().TotalProcessorTime - cpuBefore.Bench);
        await stop.CancelAsync();
        await Task.WhenAll(watching, placedWatching);

        Report(watcher, createdAt, measured, created, elapsed, cpu);
        Console.WriteLine($"  server VmRSS at the end: {server.ResidentBytes() / 1048576.0:F0} MiB");
        return watcher.Bound == measured ? 0 : 1;
    }

    private static void Report(BindingWatcher watcher, ConcurrentDictionary<string, long> createdAt, int measured, TimeSpan created, TimeSpan elapsed,
        (TimeSpan Server, TimeSpan Agent, TimeSpan Machine, TimeSpan Bench) cpu)
    {
        var samples = watcher.Samples.Skip(1).ToList();
        var latencies = watcher.BoundAt
            .Where(b => createdAt.ContainsKey(b.Key))
            .Select(b => Stopwatch.GetElapsedTime(createdAt[b.Key], b.Value).TotalMilliseconds)
            .Order().ToList();
        Console.WriteLine($"  created {measured} pods in {created.TotalSeconds:F1} s ({measured / created.TotalSeconds:F0}/s); all bound after {elapsed.TotalSeconds:F1} s; bound {watcher.Bound}/{measured}");
        Console.WriteLine($"  throughput: {(samples.Count == 0 ? 0 : samples.Average()):F0} pods/s (average of {samples.Count} one-second samples after the first; min {(samples.Count == 0 ? 0 : samples.Min())}, max {(samples.Count == 0 ? 0 : samples.Max())})");
        Console.WriteLine($"  samples: {string.Join(' ', watcher.Samples)}");
        if (latencies.Count > 0)
        {
            Console.WriteLine($"  create acknowledged to bound: p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms");
        }
        Console.WriteLine($"  CPU during the measured phase: server {cpu.Server.TotalSeconds:F1} s ({cpu.Server.TotalMilliseconds / measured:F2} ms/pod), agent {cpu.Agent.TotalSeconds:F1} s, load generator {cpu.Bench.TotalSeconds:F1} s, whole machine {cpu.Machine.TotalSeconds:F1} s of {2 * elapsed.TotalSeconds:F1} s available");
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private static async Task WaitForNodesAsync(HttpClient client, int nodes, BenchAgent agent)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(10))
        {
            if (agent.HasExited) throw new InvalidOperationException("the agent exited");
            using var response = await client.GetAsync("/api/v1/nodes?resourceVersion=0");
            var body = await response.Content.ReadAsStringAsync();
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            if (doc.RootElement.GetProperty("items").GetArrayLength() >= nodes) return;
            await Task.Delay(1000);
        }
        throw new TimeoutException("nodes not registered after 10 minutes");
    }

    /// <summary>Creates count pods named prefix-i from the given number of concurrent creators; records each 201.</summary>
    private static async Task CreateAsync(HttpClient client, string prefix, int count, int creators, ConcurrentDictionary<string, long> createdAt)
    {
        var next = -1;
        var workers = Enumerable.Range(0, creators).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var name = $"{prefix}-{i}";
                using var response = await client.PostAsync($"/api/v1/namespaces/{Namespace}/pods", Json(PodJson(name)));
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw new InvalidOperationException($"create {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
                createdAt[name] = Stopwatch.GetTimestamp();
            }
        });
        await Task.WhenAll(workers);
    }

    private static string PodJson(string name) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + Namespace + "\"}," +
        "\"spec\":{\"containers\":[{\"name\":\"pause\",\"image\":\"registry.k8s.io/pause:3.10\"," +
        "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"500Mi\"}}}]}}";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
