using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;
using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>Latencies of the paced GETs of one <see cref="GetProbe"/> run, in ms.</summary>
internal readonly record struct GetProbeResult(int Count, int Errors, double P50, double P99, double Max);

/// <summary>
/// The reader of apiserver-create, in a process of its own so that its latencies are the server's
/// and the machine's, not the queueing of the load generator's busy thread pool: GETs of random
/// existing ConfigMaps `read-0..N-1` at a fixed pace over their own HTTP/2 connections. Hidden
/// command `apiserver-get-probe`: warms its connections, prints `ready`, waits for a line on
/// stdin, probes for S seconds, prints `gets=N errors=E p50=X p99=Y max=Z` (ms). With
/// `--etcd-url`, the same paced reads are etcd Range requests of the keys the API server would
/// store them under, on one gRPC connection of its own: etcd's read latency under its put load.
/// </summary>
internal static partial class GetProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var url = flags.String("url", "");
        var dataDir = flags.String("data-dir", "");
        var ns = flags.String("namespace", "bench");
        var readable = flags.Int("readable", 1000);
        var rate = flags.Int("rate", 200);
        var seconds = flags.Int("seconds", 10);
        var connections = flags.Int("connections", 8);
        var etcdUrl = flags.String("etcd-url", "");
        flags.CheckAllUsed();

        using var client = etcdUrl.Length == 0 ? BenchServer.ClientFor(new Uri(url), dataDir, BenchHttp.Http2, connections) : null;
        // A local etcd's self-signed serving certificate; the load generator checks it, the probe only reads.
        using var channel = etcdUrl.Length == 0 ? null : GrpcChannel.ForAddress(etcdUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } },
        });
        var kv = channel is null ? null : new KV.KVClient(channel);
        Func<Task<double?>> get = kv is null ? () => GetAsync(client!, ns, readable) : () => RangeAsync(kv, ns, readable);
        for (var i = 0; i < 4 * connections; i++)
        {
            await get();
        }
        Console.WriteLine("ready");
        await Console.In.ReadLineAsync();
        var result = await ProbeAsync(get, rate, TimeSpan.FromSeconds(seconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gets={result.Count} errors={result.Errors} p50={result.P50:F2} p99={result.P99:F2} max={result.Max:F2}"));
        return 0;
    }

    /// <summary>Starts the probe as a child process against <paramref name="server"/>; returns once it is warm.</summary>
    public static Task<Process> StartAsync(BenchServer server, string ns, int readable, int rate, TimeSpan duration) =>
        StartAsync(["--url", server.Url.ToString(), "--data-dir", server.DataDir], ns, readable, rate, duration);

    /// <summary>Starts an etcd probe (Range requests of <c>/registry/configmaps/NS/read-N</c>); returns once it is warm.</summary>
    public static Task<Process> StartEtcdAsync(string etcdUrl, string ns, int readable, int rate, TimeSpan duration) =>
        StartAsync(["--etcd-url", etcdUrl], ns, readable, rate, duration);

    private static async Task<Process> StartAsync(string[] target, string ns, int readable, int rate, TimeSpan duration)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Timonel.Bench.dll"), "apiserver-get-probe" }.Concat(target).Concat(
            ["--namespace", ns, "--readable", Text(readable), "--rate", Text(rate), "--seconds", Text((int)duration.TotalSeconds)]))
        {
            info.ArgumentList.Add(a);
        }
        var probe = Process.Start(info) ?? throw new InvalidOperationException("could not start the GET probe");
        if (await probe.StandardOutput.ReadLineAsync() != "ready")
        {
            probe.Kill();
            throw new InvalidOperationException("the GET probe did not get ready");
        }
        return probe;
    }

    /// <summary>Tells a started probe to begin; the task completes with its result when it is done.</summary>
    public static async Task<GetProbeResult> RunChildAsync(Process probe)
    {
        await probe.StandardInput.WriteLineAsync("go");
        await probe.StandardInput.FlushAsync();
        var output = await probe.StandardOutput.ReadToEndAsync();
        await probe.WaitForExitAsync();
        var match = ResultLine().Match(output);
        if (!match.Success)
        {
            throw new InvalidOperationException($"the GET probe printed no result: {output}");
        }
        double D(int g) => double.Parse(match.Groups[g].Value, CultureInfo.InvariantCulture);
        return new GetProbeResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), D(3), D(4), D(5));
    }

    private static async Task<GetProbeResult> ProbeAsync(Func<Task<double?>> get, int rate, TimeSpan duration)
    {
        var latencies = new List<double>();
        var errors = 0;
        var inFlight = new List<Task<double?>>();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            for (var due = (long)(clock.Elapsed.TotalSeconds * rate); sent < due; sent++)
            {
                inFlight.Add(get());
            }
            await Task.Delay(1);
        }
        foreach (var latency in await Task.WhenAll(inFlight))
        {
            if (latency is { } ms) latencies.Add(ms);
            else errors++;
        }
        latencies.Sort();
        return new GetProbeResult(latencies.Count, errors, ConfigMaps.PercentileMs(latencies, 0.5),
            ConfigMaps.PercentileMs(latencies, 0.99), latencies.Count == 0 ? double.NaN : latencies[^1]);
    }

    /// <summary>One GET of a random readable ConfigMap; its latency in ms, or null if it failed.</summary>
    private static async Task<double?> GetAsync(HttpClient client, string ns, int readable)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync($"{ConfigMaps.Path(ns)}/read-{Random.Shared.Next(readable)}");
        await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode ? ConfigMaps.Ms(Stopwatch.GetTimestamp() - start) : null;
    }

    /// <summary>One etcd Range of a random readable key; its latency in ms, or null if it failed or found nothing.</summary>
    private static async Task<double?> RangeAsync(KV.KVClient kv, string ns, int readable)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var response = await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8($"/registry/configmaps/{ns}/read-{Random.Shared.Next(readable)}") });
            return response.Kvs.Count == 1 ? ConfigMaps.Ms(Stopwatch.GetTimestamp() - start) : null;
        }
        catch (Grpc.Core.RpcException)
        {
            return null;
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"gets=([0-9]+) errors=([0-9]+) p50=([0-9.NaN]+) p99=([0-9.NaN]+) max=([0-9.NaN]+)")]
    private static partial Regex ResultLine();
}
