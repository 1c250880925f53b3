using System.Collections.Concurrent;
using System.Diagnostics;
using Timonel.Storage;

namespace Timonel.Bench.Storage;

/// <summary>
/// watch-latency: writes paced at R per second while one in-process watcher listens; reports the
/// time from a write's acknowledgement to the watcher receiving its event (p50, p99). An event
/// that arrives before its writer saw the acknowledgement counts as 0.
/// </summary>
internal static class WatchLatencyBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var seconds = flags.Int("seconds", 10);
        var rate = flags.Int("rate", 5000);
        var backend = flags.String("backend", "sqlite");
        flags.CheckAllUsed();

        await using var bench = await BenchStore.OpenAsync(backend);
        var result = await MeasureAsync(bench.Store, rate, TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"{backend}: {result.Writes} writes at {result.AchievedRate:F0}/s (target {rate}/s); " +
            $"ack-to-event p50 {result.P50.TotalMilliseconds:F2} ms, p99 {result.P99.TotalMilliseconds:F2} ms");
        return 0;
    }

    public sealed record Result(long Writes, double AchievedRate, TimeSpan P50, TimeSpan P99);

    public static async Task<Result> MeasureAsync(IKeyValueStore store, int rate, TimeSpan duration)
    {
        var run = "/bench/watch-" + Guid.NewGuid().ToString("N") + "/";
        var value = new byte[512];
        var acked = new ConcurrentDictionary<long, long>();
        var received = new Dictionary<long, long>();
        var clock = Stopwatch.StartNew();
        var from = await store.GetRevisionAsync() + 1;
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in store.WatchAsync(new WatchRequest(run, from), stop.Token))
                {
                    var at = clock.ElapsedTicks;
                    lock (received)
                    {
                        received[e.Revision] = at;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // Writes go out concurrently (a bounded number in flight) so the pace does not depend on
        // one write's latency.
        using var inFlight = new SemaphoreSlim(512);
        var writes = new List<Task>();
        var sent = 0L;
        var writeClock = Stopwatch.StartNew();
        while (writeClock.Elapsed < duration)
        {
            var due = (long)(writeClock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                await inFlight.WaitAsync();
                var key = run + sent;
                writes.Add(Task.Run(async () =>
                {
                    try
                    {
                        var result = await store.CreateAsync(key, value);
                        acked[result.Revision] = clock.ElapsedTicks;
                    }
                    finally
                    {
                        inFlight.Release();
                    }
                }));
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(writes);
        var achieved = sent / writeClock.Elapsed.TotalSeconds;
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < TimeSpan.FromSeconds(30) && !ReceivedAll(received, acked.Count))
        {
            await Task.Delay(10);
        }
        await stop.CancelAsync();
        await watcher;

        var latencies = acked
            .Where(a => received.ContainsKey(a.Key))
            .Select(a => Math.Max(0, received[a.Key] - a.Value))
            .Order()
            .ToArray();
        if (latencies.Length < acked.Count)
        {
            Console.WriteLine($"warning: {acked.Count - latencies.Length} acknowledged writes never reached the watcher");
        }
        return new Result(sent, achieved, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    private static bool ReceivedAll(Dictionary<long, long> received, int count)
    {
        lock (received)
        {
            return received.Count >= count;
        }
    }

    private static TimeSpan Percentile(long[] sortedTicks, double p) =>
        sortedTicks.Length == 0
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(sortedTicks[(int)Math.Min(sortedTicks.Length - 1, p * sortedTicks.Length)] / (double)Stopwatch.Frequency);
}
