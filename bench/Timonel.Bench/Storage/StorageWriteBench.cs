using System.Diagnostics;
using Timonel.Storage;

namespace Timonel.Bench.Storage;

/// <summary>
/// storage-write: W concurrent writers, each updating its own key with a V-byte value through
/// compare-and-swap (the API server's write shape), for S seconds per backend.
/// </summary>
internal static class StorageWriteBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var seconds = flags.Int("seconds", 10);
        var writers = flags.Int("writers", 64);
        var valueBytes = flags.Int("value-bytes", 1024);
        var backends = flags.String("backend", "sqlite,etcd").Split(',');
        flags.CheckAllUsed();

        var rates = new Dictionary<string, double>();
        foreach (var backend in backends)
        {
            try
            {
                await using var bench = await BenchStore.OpenAsync(backend);
                var rate = await MeasureAsync(bench.Store, writers, valueBytes, TimeSpan.FromSeconds(seconds));
                rates[backend] = rate;
                Console.WriteLine($"{backend}: {rate:F0} writes/s ({writers} writers, {valueBytes} B values, {seconds} s)");
            }
            catch (NotImplementedException e)
            {
                Console.WriteLine($"{backend}: not available ({e.Message})");
            }
        }
        if (rates.TryGetValue("sqlite", out var sqlite) && rates.TryGetValue("etcd", out var etcd))
        {
            Console.WriteLine($"ratio sqlite/etcd: {sqlite / etcd:F2}");
        }
        return 0;
    }

    /// <summary>Acknowledged writes per second over the measured window.</summary>
    public static async Task<double> MeasureAsync(IKeyValueStore store, int writers, int valueBytes, TimeSpan duration)
    {
        var value = new byte[valueBytes];
        Random.Shared.NextBytes(value);
        var run = "/bench/write-" + Guid.NewGuid().ToString("N") + "/";
        var revisions = new long[writers];
        for (var w = 0; w < writers; w++)
        {
            revisions[w] = (await store.CreateAsync($"{run}{w}", value)).Revision;
        }

        long writes = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            var key = $"{run}{w}";
            while (clock.Elapsed < duration)
            {
                var result = await store.UpdateAsync(key, value, revisions[w]);
                if (result.Status != WriteStatus.Ok)
                {
                    throw new InvalidOperationException($"benchmark writer {w} lost its key: {result.Status}");
                }
                revisions[w] = result.Revision;
                Interlocked.Increment(ref writes);
            }
        }));
        return writes / clock.Elapsed.TotalSeconds;
    }
}
