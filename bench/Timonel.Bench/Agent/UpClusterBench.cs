using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Timonel.Bench.ApiServer;
using Timonel.Bench.Storage;

namespace Timonel.Bench.Agent;

/// <summary>
/// up-cluster: `timonel up --nodes N --isolated` on a fresh temp data dir, timed from its start to
/// the moment it returns (every node Ready: `up` waits for that) and on to the first answer of the
/// cluster DNS: `nslookup kubernetes.default.svc.cluster.local 10.43.0.10` from node 1's network
/// namespace, retried every 100 ms, must print the kubernetes Service's 10.43.0.1. R runs, each
/// followed by `timonel down`; each run and the medians are printed. The images are imported into
/// every node by `up` itself, so that is part of the time, as it is for a user.
/// </summary>
internal static class UpClusterBench
{
    private const string DnsServer = "10.43.0.10";
    private const string KubernetesService = "10.43.0.1";

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var nodes = flags.Int("nodes", 3);
        var runs = flags.Int("runs", 3);
        var port = flags.Int("port", 16444);
        flags.CheckAllUsed();
        var ready = new List<double>();
        var dns = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var dataDir = Path.Combine(Path.GetTempPath(), "timonel-bench-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                var clock = Stopwatch.StartNew();
                var up = await TimonelAsync("up", "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--isolated",
                    "--data-dir", dataDir, "--https-listen-port", port.ToString(CultureInfo.InvariantCulture), "--node-name", "bench");
                if (up != 0)
                {
                    Console.Error.WriteLine($"run {run}: timonel up exited {up}");
                    return 1;
                }
                var nodesReady = clock.Elapsed.TotalSeconds;
                if (!await DnsAnswersAsync(FirstNodeNetns(dataDir), TimeSpan.FromMinutes(2)))
                {
                    Console.Error.WriteLine($"run {run}: the cluster DNS did not answer within 2 minutes");
                    return 1;
                }
                var dnsAnswering = clock.Elapsed.TotalSeconds;
                ready.Add(nodesReady);
                dns.Add(dnsAnswering);
                Console.WriteLine($"run {run}: {nodes} nodes Ready after {nodesReady:F1} s, DNS answering after {dnsAnswering:F1} s");
            }
            finally
            {
                await TimonelAsync("down", "--data-dir", dataDir);
                if (Directory.Exists(dataDir))
                {
                    Directory.Delete(dataDir, recursive: true);
                }
            }
        }
        Console.WriteLine($"median of {runs}: nodes Ready {Median(ready):F1} s, DNS answering {Median(dns):F1} s (goal < 15 s)");
        return 0;
    }

    /// <summary>Node 1's namespace name, from the topology `up` saved.</summary>
    private static string FirstNodeNetns(string dataDir)
    {
        using var net = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "cluster-net.json")));
        return net.RootElement.GetProperty("Nodes").EnumerateArray()
            .First(n => n.GetProperty("Index").GetInt32() == 1).GetProperty("Netns").GetString()!;
    }

    private static async Task<bool> DnsAnswersAsync(string netns, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < bound)
        {
            var (code, output) = await CaptureAsync("nsenter", "--net=/var/run/netns/" + netns,
                "busybox", "nslookup", "kubernetes.default.svc.cluster.local", DnsServer);
            if (code == 0 && output.Contains(KubernetesService + "\n", StringComparison.Ordinal))
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>timonel with its output discarded (the bench prints only its own lines).</summary>
    private static async Task<int> TimonelAsync(params string[] args) => (await CaptureAsync("dotnet", [BenchServer.TimonelDll, .. args])).Code;

    private static async Task<(int Code, string Output)> CaptureAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
