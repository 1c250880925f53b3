using System.Diagnostics;
using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-list: N ConfigMaps of 1 KiB in one namespace, then R full lists (no limit, JSON) with
/// resourceVersion unset (read from the store) and with resourceVersion=0 (served by the watch
/// cache); p50/p99 of the time to the last byte.
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
        foreach (var (label, query) in new[] { ("resourceVersion=\"\" (store)", ""), ("resourceVersion=0 (watch cache)", "?resourceVersion=0") })
        {
            var times = new List<double>();
            long bytes = 0;
            // One untimed list first: the first rv=0 list may be what fills the watch cache.
            for (var run = -1; run < runs; run++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(ConfigMaps.Path(ns) + query, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadAsByteArrayAsync();
                var elapsed = ConfigMaps.Ms(Stopwatch.GetTimestamp() - start);
                bytes = body.Length;
                var items = CountItems(body);
                if (items != objects)
                {
                    throw new InvalidOperationException($"list returned {items} items, expected {objects}");
                }
                if (run >= 0) times.Add(elapsed); else Console.WriteLine($"  {label}: first list {elapsed:F1} ms (untimed)");
            }
            times.Sort();
            Console.WriteLine($"list {objects} ConfigMaps, {label}: {runs} runs, {bytes / 1024.0 / 1024.0:F1} MiB each; " +
                $"p50 {ConfigMaps.PercentileMs(times, 0.5):F1} ms, p99 {ConfigMaps.PercentileMs(times, 0.99):F1} ms");
        }
        return 0;
    }

    /// <summary>The benchmark's own items ("cm-..."): the namespace also holds the root CA publisher's kube-root-ca.crt.</summary>
    private static int CountItems(byte[] body)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("items").EnumerateArray()
            .Count(i => i.GetProperty("metadata").GetProperty("name").GetString()!.StartsWith("cm-", StringComparison.Ordinal));
    }
}
