using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-watch: W raw HTTP watch streams on one namespace's ConfigMaps, then E creates paced
/// at R/s. Delivery latency of an event to a watcher is from the create's 201 response to the
/// watcher reading the event's line (a line that arrives before its 201 counts as 0). Every
/// watcher must receive every event, else the run fails.
/// </summary>
internal static class WatchBench
{
    private static readonly byte[] NameMarker = Encoding.UTF8.GetBytes("\"name\":\"ev-");

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var watchers = flags.Int("watchers", 200);
        var events = flags.Int("events", 10_000);
        var rate = flags.Int("rate", 1000);
        var creators = flags.Int("creators", 32);
        var valueBytes = flags.Int("value-bytes", 1024);
        var http = flags.String("http", "1.1") == "2" ? BenchHttp.Http2 : BenchHttp.Http11;
        flags.CheckAllUsed();

        await using var server = await BenchServer.StartNewAsync();
        const string ns = "bench";
        using var writer = server.Client(http, creators);
        using var watchClient = server.Client(http, watchers);
        await ConfigMaps.CreateNamespaceAsync(writer, ns);
        var from = await CurrentResourceVersionAsync(writer, ns);

        // arrivals[w][i]: the timestamp at which watcher w read the line of event i (0 = never).
        var arrivals = new long[watchers][];
        using var stop = new CancellationTokenSource();
        var streams = new List<Task>();
        for (var w = 0; w < watchers; w++)
        {
            arrivals[w] = new long[events];
            var response = await watchClient.GetAsync($"{ConfigMaps.Path(ns)}?watch=true&resourceVersion={from}", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var mine = arrivals[w];
            streams.Add(Task.Run(() => ReadEventsAsync(response, mine, events, stop.Token)));
        }

        var acks = new long[events];
        var clock = Stopwatch.StartNew();
        long next = -1;
        await Task.WhenAll(Enumerable.Range(0, creators).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < events; i = Interlocked.Increment(ref next))
            {
                var due = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
                if (due > TimeSpan.FromMilliseconds(1)) await Task.Delay(due);
                await ConfigMaps.CreateAsync(writer, ns, "ev-" + i, valueBytes);
                acks[i] = Stopwatch.GetTimestamp();
            }
        })));
        var createSeconds = clock.Elapsed.TotalSeconds;
        var all = Task.WhenAll(streams);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
        await stop.CancelAsync();
        await all;

        var latencies = new List<double>(watchers * events);
        long missing = 0;
        for (var w = 0; w < watchers; w++)
        {
            for (var i = 0; i < events; i++)
            {
                if (arrivals[w][i] == 0) missing++;
                else latencies.Add(Math.Max(0, ConfigMaps.Ms(arrivals[w][i] - acks[i])));
            }
        }
        latencies.Sort();
        Console.WriteLine($"{watchers} watchers x {events} creates at {events / createSeconds:F0}/s (target {rate}/s, HTTP/{(http == BenchHttp.Http2 ? "2" : "1.1")}): " +
            $"{latencies.Count} deliveries, {missing} missing; 201-to-event p50 {ConfigMaps.PercentileMs(latencies, 0.5):F2} ms, " +
            $"p99 {ConfigMaps.PercentileMs(latencies, 0.99):F2} ms, max {(latencies.Count > 0 ? latencies[^1] : double.NaN):F2} ms");
        return missing == 0 ? 0 : 1;
    }

    private static async Task<string> CurrentResourceVersionAsync(HttpClient client, string ns)
    {
        using var response = await client.GetAsync(ConfigMaps.Path(ns) + "?limit=1");
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
    }

    /// <summary>Reads newline-delimited events until all <paramref name="events"/> arrived or the run stops.</summary>
    private static async Task ReadEventsAsync(HttpResponseMessage response, long[] arrivals, int events, CancellationToken stop)
    {
        using var _ = response;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(stop);
            var buffer = new byte[1 << 20];
            var filled = 0;
            var received = 0;
            while (received < events)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                var read = await stream.ReadAsync(buffer.AsMemory(filled), stop);
                if (read == 0) return; // the server ended the stream: the missing events show in the result
                var at = Stopwatch.GetTimestamp(); // every line completed by this read arrived now
                filled += read;
                var start = 0;
                for (int end; (end = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0; start = end + 1)
                {
                    var line = buffer.AsSpan(start, end - start);
                    var marker = line.IndexOf(NameMarker);
                    if (marker < 0) continue;
                    var digits = line[(marker + NameMarker.Length)..];
                    var index = 0;
                    for (var d = 0; d < digits.Length && digits[d] is >= (byte)'0' and <= (byte)'9'; d++) index = index * 10 + digits[d] - '0';
                    if (arrivals[index] == 0)
                    {
                        arrivals[index] = at;
                        received++;
                    }
                }
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
