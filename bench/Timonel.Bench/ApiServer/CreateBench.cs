using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;
using Timonel.Bench.Storage;
using Timonel.Storage.Tests.Etcd;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-create: C connections each POSTing 1 KiB ConfigMaps back to back for S seconds
/// against a `timonel server` process (SQLite store), while a separate process (<see cref="GetProbe"/>)
/// GETs existing ConfigMaps at a modest paced rate (their p50/p99 is the read latency under write load). Then,
/// in the same run, C concurrent raw etcd puts (no transaction) of the same bytes against a
/// private etcd for the same time, and the ratio of the two rates. etcd is measured three ways
/// (<c>--etcd</c>): <c>h2c-shared</c>, all writers multiplexed on one plain-HTTP/2 connection (the
/// cheapest client etcd can have); <c>tls-shared</c>, the same over TLS (how an API server talks to
/// etcd); <c>tls-per-writer</c>, one TLS connection per writer, as the API server is measured here
/// (HTTPS, C connections). The same paced reader runs against etcd (Range requests of the same
/// 1,000 readable keys from a process of its own): etcd's read latency under its own put load is
/// the reference for the API server's GET latency under create load.
/// </summary>
internal static class CreateBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var seconds = flags.Int("seconds", 10);
        var connections = flags.Int("connections", 64);
        var valueBytes = flags.Int("value-bytes", 1024);
        var getRate = flags.Int("get-rate", 200);
        var http = flags.String("http", "2") == "2" ? BenchHttp.Http2 : BenchHttp.Http11;
        var backends = flags.String("backend", "timonel,etcd").Split(',');
        var etcdModes = flags.String("etcd", "h2c-shared,tls-shared,tls-per-writer").Split(',');
        // Untimed load first (JIT tiering, connections, page cache); a slow machine needs more than 2 s.
        var warmup = TimeSpan.FromSeconds(flags.Int("warmup-seconds", 2));
        flags.CheckAllUsed();

        var duration = TimeSpan.FromSeconds(seconds);
        double? timonel = null;
        var etcd = new List<(string Mode, double Rate)>();
        if (backends.Contains("timonel"))
        {
            timonel = await MeasureServerAsync(connections, valueBytes, getRate, http, duration, warmup);
        }
        if (backends.Contains("etcd"))
        {
            foreach (var mode in etcdModes)
            {
                var (tls, perWriter) = mode switch
                {
                    "h2c-shared" => (false, false),
                    "tls-shared" => (true, false),
                    "tls-per-writer" => (true, true),
                    _ => throw new ArgumentException($"--etcd: unknown mode '{mode}' (h2c-shared, tls-shared, tls-per-writer)"),
                };
                etcd.Add((mode, await MeasureEtcdAsync(connections, valueBytes, getRate, duration, warmup, tls, perWriter)));
            }
        }
        foreach (var (mode, rate) in etcd)
        {
            if (timonel is { } t)
            {
                Console.WriteLine($"ratio timonel creates / etcd puts ({mode}): {t / rate:F2}");
            }
        }
        return 0;
    }

    private static async Task<double> MeasureServerAsync(int connections, int valueBytes, int getRate, BenchHttp http, TimeSpan duration, TimeSpan warmup)
    {
        await using var server = await BenchServer.StartNewAsync();
        const string ns = "bench";
        const int readable = 1000;
        using (var setup = server.Client(http, 16))
        {
            await ConfigMaps.CreateNamespaceAsync(setup, ns);
            await ConfigMaps.FillAsync(setup, ns, "read-", readable, valueBytes, 16);
        }

        // One client (and so one TCP connection) per writer: C connections whatever the protocol.
        var writers = Enumerable.Range(0, connections).Select(_ => server.Client(http, 1)).ToArray();
        try
        {
            // A warm-up of the same load (JIT, connection setup, SQLite page cache) is not counted.
            await RunCreatesAsync(writers, ns, "warm-", valueBytes, warmup);
            using var probe = await GetProbe.StartAsync(server, ns, readable, getRate, duration);
            var gets = GetProbe.RunChildAsync(probe);
            var (serverCpu, benchCpu) = (server.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
            var serverSystem = server.CpuTimes().System;
            var created = await RunCreatesAsync(writers, ns, "c-", valueBytes, duration);
            serverSystem = server.CpuTimes().System - serverSystem;
            (serverCpu, benchCpu) = (server.CpuTime() - serverCpu, Process.GetCurrentProcess().TotalProcessorTime - benchCpu);
            var read = await gets;
            var rate = created / duration.TotalSeconds;
            Console.WriteLine($"timonel (sqlite, HTTP/{(http == BenchHttp.Http2 ? "2" : "1.1")}): {rate:F0} creates/s " +
                $"({connections} connections, {valueBytes} B values, {duration.TotalSeconds:F0} s)");
            Console.WriteLine($"  CPU in the window: server {serverCpu.TotalSeconds / duration.TotalSeconds:F2} cores " +
                $"({serverCpu.TotalMilliseconds * 1000 / created:F0} us per create, {serverSystem / serverCpu:P0} of it in the kernel), load generator {benchCpu.TotalSeconds / duration.TotalSeconds:F2} cores");
            Console.WriteLine($"  GET during creates (a separate process, 8 HTTP/2 connections, {getRate}/s): {read.Count} answered, {read.Errors} failed; " +
                $"p50 {read.P50:F2} ms, p99 {read.P99:F2} ms, max {read.Max:F2} ms");

            // For comparison: the same connections doing GETs back to back, to split the per-request
            // cost (TLS, HTTP, authentication, routing, one store read, JSON out) from the create path.
            var (getCpu, getClock) = (server.CpuTime(), Stopwatch.StartNew());
            long got = 0;
            await Task.WhenAll(writers.Select(client => Task.Run(async () =>
            {
                while (getClock.Elapsed < TimeSpan.FromSeconds(5))
                {
                    using var response = await client.GetAsync($"{ConfigMaps.Path(ns)}/read-{Random.Shared.Next(readable)}");
                    await response.Content.ReadAsByteArrayAsync();
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref got);
                }
            })));
            getCpu = server.CpuTime() - getCpu;
            Console.WriteLine($"  for comparison, GETs back to back on the same connections: {got / getClock.Elapsed.TotalSeconds:F0}/s, " +
                $"server {getCpu.TotalMilliseconds * 1000 / got:F0} us CPU per GET");
            return rate;
        }
        finally
        {
            foreach (var w in writers) w.Dispose();
        }
    }

    /// <summary>Each writer POSTs back to back until the time is up; returns the creates acknowledged in time.</summary>
    private static async Task<long> RunCreatesAsync(HttpClient[] writers, string ns, string prefix, int valueBytes, TimeSpan duration)
    {
        long created = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(writers.Select((client, w) => Task.Run(async () =>
        {
            for (var i = 0; clock.Elapsed < duration; i++)
            {
                await ConfigMaps.CreateAsync(client, ns, $"{prefix}{w}-{i}", valueBytes);
                if (clock.Elapsed <= duration) Interlocked.Increment(ref created);
            }
        })));
        return created;
    }

    private static async Task<double> MeasureEtcdAsync(int connections, int valueBytes, int getRate, TimeSpan duration, TimeSpan warmup, bool tls, bool perWriter)
    {
        await using var etcd = await EtcdProcess.StartAsync(tls: tls);
        // Shared: one channel (one HTTP/2 connection carries up to 100 streams). Per writer: a
        // channel, and so a TLS connection, of its own.
        var channels = Enumerable.Range(0, perWriter ? connections : 1).Select(_ => GrpcChannel.ForAddress(etcd.ClientUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = !perWriter,
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => etcd.IsServerCertificate(presented) },
            },
        })).ToArray();
        using var dispose = new ChannelsDisposer(channels);
        var clients = channels.Select(c => new KV.KVClient(c)).ToArray();
        // The same bytes the API server stores for one ConfigMap (its JSON), to a new key each time.
        var value = ByteString.CopyFrom(ConfigMaps.Body("bench", "c-00-0000", valueBytes));
        async Task<long> PutAsync(string prefix, TimeSpan length)
        {
            long puts = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
            {
                for (var i = 0; clock.Elapsed < length; i++)
                {
                    await clients[w % clients.Length].PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"/registry/configmaps/bench/{prefix}{w}-{i}"), Value = value });
                    if (clock.Elapsed <= length) Interlocked.Increment(ref puts);
                }
            })));
            return puts;
        }
        // The same readable objects and paced reader as against the API server (a Range instead of a GET).
        const int readable = 1000;
        for (var i = 0; i < readable; i++)
        {
            await clients[0].PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"/registry/configmaps/bench/read-{i}"), Value = value });
        }
        await PutAsync("warm-", warmup);
        using var probe = getRate > 0 ? await GetProbe.StartEtcdAsync(etcd.ClientUrl, "bench", readable, getRate, duration) : null;
        var reads = probe is null ? null : GetProbe.RunChildAsync(probe);
        var (etcdCpu, benchCpu) = (etcd.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
        var rate = await PutAsync("c-", duration) / duration.TotalSeconds;
        (etcdCpu, benchCpu) = (etcd.CpuTime() - etcdCpu, Process.GetCurrentProcess().TotalProcessorTime - benchCpu);
        Console.WriteLine($"etcd 3.4 (raw put, gRPC, {(tls ? "TLS" : "plain HTTP/2")}, {(perWriter ? $"{connections} connections" : "one shared connection")}): " +
            $"{rate:F0} puts/s ({connections} concurrent, {value.Length} B values, {duration.TotalSeconds:F0} s)");
        Console.WriteLine($"  CPU in the window: etcd {etcdCpu.TotalSeconds / duration.TotalSeconds:F2} cores " +
            $"({etcdCpu.TotalMilliseconds * 1000 / (rate * duration.TotalSeconds):F0} us per put), load generator {benchCpu.TotalSeconds / duration.TotalSeconds:F2} cores");
        if (reads is not null)
        {
            var read = await reads;
            Console.WriteLine($"  Range during puts (a separate process, one gRPC connection, {getRate}/s): {read.Count} answered, {read.Errors} failed; " +
                $"p50 {read.P50:F2} ms, p99 {read.P99:F2} ms, max {read.Max:F2} ms");
        }
        return rate;
    }

    private sealed class ChannelsDisposer(GrpcChannel[] channels) : IDisposable
    {
        public void Dispose()
        {
            foreach (var channel in channels) channel.Dispose();
        }
    }
}
