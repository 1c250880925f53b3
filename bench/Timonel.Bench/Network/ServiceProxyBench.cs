using System.Diagnostics;
using System.Globalization;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Network.ServiceProxy;

namespace Timonel.Bench.Network;

/// <summary>
/// The service proxy's sync cost with the real nft (root): in a fresh network namespace, S
/// Services of E ready endpoints each go from nothing to rules in place (Service and
/// EndpointSlice objects → model → one full transaction applied), then M more Services are added
/// one at a time with S present (model of everything → incremental transaction applied); the
/// namespace is deleted at the end. Flags: --services 1000 --endpoints 2 --more 10.
/// </summary>
internal static class ServiceProxyBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var services = Flag(args, "--services", 1000);
        var endpoints = Flag(args, "--endpoints", 2);
        var more = Flag(args, "--more", 10);
        var ns = "timonel-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (!Run("ip", "netns", "add", ns))
        {
            Console.Error.WriteLine("cannot create a network namespace (needs root)");
            return 1;
        }
        try
        {
            var node = new ProxyNode("node-0", [IPAddress.Parse("192.168.77.1")], "10.244.0.0/16");
            var writer = new NftTableWriter(new NftProcessRunner("/var/run/netns/" + ns), NullLogger.Instance);
            var objects = Enumerable.Range(0, services).Select(i => Objects(i, endpoints)).ToList();

            var full = await TimeSyncAsync(node, writer, objects);
            Console.WriteLine($"{services} services x {endpoints} endpoints, from nothing: model {full.Model:F0} ms, nft {full.Nft:F0} ms, total {full.Model + full.Nft:F0} ms ({full.Bytes / 1024} KiB script, full={full.Full})");

            var steps = new List<(double Model, double Nft, int Bytes, bool Full)>();
            for (var i = 0; i < more; i++)
            {
                objects.Add(Objects(services + i, endpoints));
                steps.Add(await TimeSyncAsync(node, writer, objects));
            }
            if (steps.Count > 0)
            {
                var totals = steps.Select(s => s.Model + s.Nft).Order().ToList();
                Console.WriteLine($"one more service with {services}+ present, {more} runs: median total {totals[totals.Count / 2]:F1} ms (model {steps.Select(s => s.Model).Order().ElementAt(steps.Count / 2):F1} ms, nft {steps.Select(s => s.Nft).Order().ElementAt(steps.Count / 2):F1} ms), max {totals[^1]:F1} ms, script {steps[0].Bytes} bytes, full={steps.Any(s => s.Full)}");
            }
            var (_, listed, _) = Capture("ip", "netns", "exec", ns, "nft", "list", "table", "ip", "timonel");
            Console.WriteLine($"table: {writer.Written!.Chains.Count} service chains, {writer.Written.RuleCount} service rules, {listed.Length / 1024} KiB as listed");
            return 0;
        }
        finally
        {
            Run("ip", "netns", "del", ns);
        }
    }

    private static async Task<(double Model, double Nft, int Bytes, bool Full)> TimeSyncAsync(ProxyNode node, NftTableWriter writer, List<(V1Service Service, V1EndpointSlice Slice)> objects)
    {
        var started = Stopwatch.GetTimestamp();
        var wanted = NftRules.Build(node, objects.SelectMany(o => ServicePorts.From(o.Service, [o.Slice], node.Name)));
        var model = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        var result = await writer.WriteAsync(wanted, verify: false, CancellationToken.None);
        var nft = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!result.Ok)
        {
            throw new InvalidOperationException(result.Error);
        }
        return (model, nft, result.ScriptLength, result.Full);
    }

    private static (V1Service, V1EndpointSlice) Objects(int index, int endpoints)
    {
        var name = $"svc-{index:D5}";
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "bench" },
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                ClusterIP = $"10.96.{index / 250}.{index % 250 + 1}",
                Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = "web" }],
            },
        };
        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = name + "-1", NamespaceProperty = "bench", Labels = new Dictionary<string, string> { [ServicePorts.ServiceNameLabel] = name } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
            Endpoints = [.. Enumerable.Range(0, endpoints).Select(e => new V1Endpoint
            {
                Addresses = [$"10.{100 + e}.{index / 250}.{index % 250 + 1}"],
                NodeName = "node-" + (e % 3).ToString(CultureInfo.InvariantCulture),
                Conditions = new V1EndpointConditions { Ready = true },
            })],
        };
        return (service, slice);
    }

    private static bool Run(string file, params string[] args) => Capture(file, args).Exit == 0;

    private static (int Exit, string Output, string Error) Capture(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    private static int Flag(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
