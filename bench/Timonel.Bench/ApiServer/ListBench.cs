using System.Diagnostics;
using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-list: N ConfigMaps of 1 KiB in one namespace, then R full lists (no limit, JSON) with
/// resourceVersion unset (a consistent read: the watch cache once it has caught up with the store)
/// and with resourceVersion=0 (the watch cache as it is), then R lists in kubectl's chunks of 500
/// (the first page from the cache, the rest from the store at its revision); p50/p99 of the time
/// to the last byte of the last page.
/// </summary>
internal static class ListBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var objects = flags.Int("objects", 10_000);
        var runs = flags.Int("runs", 20);
        var valueBytes = flags.Int("value-bytes", 1024);
        var http = flags.String("http", "2") == "2" ? BenchHttp.Http2 : BenchHttp.Http11;
        flags.CheckAllUsed();

        await using var server = await BenchServer.StartNewAsync();
        using var client = server.Client(http, 64);
        const string ns = "bench";
        await ConfigMaps.CreateNamespaceAsync(client, ns);
        var fill = await ConfigMaps.FillAsync(client, ns, "cm-", objects, valueBytes, 64);
        Console.WriteLine($"filled {objects} ConfigMaps of {valueBytes} B in {fill.TotalSeconds:F1} s");
        var modes = new[]
        {
            ("resourceVersion=\"\" (consistent)", "", 0),
            ("resourceVersion=0 (watch cache)", "?resourceVersion=0", 0),
            ("limit=500 pages (kubectl)", "", 500),
        };
        // The modes take turns run by run, so the tiered JIT's recompilation after the fill and
        // the machine's drift fall on all of them alike; a few untimed rounds first (the first list
        // of a resource may be what fills the watch cache).
        const int warmUp = 5;
        var times = modes.Select(_ => new List<double>()).ToArray();
        var bytes = new long[modes.Length];
        for (var run = -warmUp; run < runs; run++)
        {
            for (var m = 0; m < modes.Length; m++)
            {
                var (label, query, limit) = modes[m];
                var start = Stopwatch.GetTimestamp();
                var (items, listBytes) = await ListAllAsync(client, ConfigMaps.Path(ns) + query, limit);
                var elapsed = ConfigMaps.Ms(Stopwatch.GetTimestamp() - start);
                bytes[m] = listBytes;
                if (items != objects)
                {
                    throw new InvalidOperationException($"{label}: list returned {items} items, expected {objects}");
                }
                if (run >= 0) times[m].Add(elapsed);
                else if (run == -warmUp) Console.WriteLine($"  {label}: first list {elapsed:F1} ms (untimed)");
            }
        }
        for (var m = 0; m < modes.Length; m++)
        {
            times[m].Sort();
            Console.WriteLine($"list {objects} ConfigMaps, {modes[m].Item1}: {runs} runs, {bytes[m] / 1024.0 / 1024.0:F1} MiB each; " +
                $"p50 {ConfigMaps.PercentileMs(times[m], 0.5):F1} ms, p99 {ConfigMaps.PercentileMs(times[m], 0.99):F1} ms");
        }
        return 0;
    }

    /// <summary>
    /// Every page of a list (one when <paramref name="limit"/> is 0): the benchmark's own items
    /// ("cm-...": the namespace also holds the root CA publisher's kube-root-ca.crt) and the bytes read.
    /// </summary>
    private static async Task<(int Items, long Bytes)> ListAllAsync(HttpClient client, string path, int limit)
    {
        var (items, bytes) = (0, 0L);
        string? next = null;
        do
        {
            var url = limit == 0 ? path : $"{path}?limit={limit}" + (next is null ? "" : $"&continue={Uri.EscapeDataString(next)}");
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsByteArrayAsync();
            bytes += body.Length;
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            items += doc.RootElement.GetProperty("items").EnumerateArray()
                .Count(i => i.GetProperty("metadata").GetProperty("name").GetString()!.StartsWith("cm-", StringComparison.Ordinal));
            next = doc.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) && c.GetString() is { Length: > 0 } token ? token : null;
        }
        while (next is not null);
        return (items, bytes);
    }
}
