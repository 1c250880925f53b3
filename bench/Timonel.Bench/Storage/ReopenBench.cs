using System.Diagnostics;
using Timonel.Storage;
using Timonel.Storage.Etcd;
using Timonel.Storage.Sqlite;
using Timonel.Storage.Tests.Etcd;

namespace Timonel.Bench.Storage;

/// <summary>
/// reopen: fills a store with N revisions (64 writers over 10,240 keys), closes it, and times
/// opening it again until it answers its current revision. For etcd that is a restart of the
/// member on the same data folder.
/// </summary>
internal static class ReopenBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var revisions = flags.Int("revisions", 1_000_000);
        var backend = flags.String("backend", "sqlite");
        flags.CheckAllUsed();

        var dir = Directory.CreateTempSubdirectory("timonel-bench-reopen-").FullName;
        try
        {
            var (fill, reopen) = backend switch
            {
                "sqlite" => await SqliteAsync(dir, revisions),
                "etcd" => await EtcdAsync(dir, revisions),
                _ => throw new ArgumentException($"unknown backend '{backend}' (sqlite or etcd)"),
            };
            Console.WriteLine($"{backend}: filled {revisions} revisions in {fill.TotalSeconds:F1} s; reopen took {reopen.TotalMilliseconds:F0} ms");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static async Task<(TimeSpan Fill, TimeSpan Reopen)> SqliteAsync(string dir, int revisions)
    {
        var options = new SqliteStoreOptions { Path = Path.Combine(dir, "state.db") };
        TimeSpan fill;
        await using (var store = await SqliteStore.OpenAsync(options))
        {
            fill = await FillAsync(store, revisions);
        }
        var clock = Stopwatch.StartNew();
        await using var reopened = await SqliteStore.OpenAsync(options);
        await reopened.GetRevisionAsync();
        return (fill, clock.Elapsed);
    }

    private static async Task<(TimeSpan Fill, TimeSpan Reopen)> EtcdAsync(string dir, int revisions)
    {
        TimeSpan fill;
        await using (var etcd = await EtcdProcess.StartAsync(dataDir: dir))
        await using (var store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = etcd.ClientUrl }))
        {
            fill = await FillAsync(store, revisions);
        }
        var clock = Stopwatch.StartNew();
        await using var restarted = await EtcdProcess.StartAsync(dataDir: dir);
        await using var reopened = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = restarted.ClientUrl });
        await reopened.GetRevisionAsync();
        return (fill, clock.Elapsed);
    }

    /// <summary>Writes until the store's revision has grown by <paramref name="revisions"/>.</summary>
    private static async Task<TimeSpan> FillAsync(IKeyValueStore store, int revisions)
    {
        const int writers = 64, keys = 10_240; // a multiple of writers, so ownership survives the modulo
        var value = new byte[256];
        var clock = Stopwatch.StartNew();
        long issued = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            var modRevisions = new Dictionary<int, long>();
            for (var i = Interlocked.Increment(ref issued); i <= revisions; i = Interlocked.Increment(ref issued))
            {
                // Each writer owns the keys k with k % writers == w, so its CAS never conflicts.
                var k = (int)((i / writers * writers + w) % keys);
                var key = "/bench/reopen/" + k;
                var result = modRevisions.TryGetValue(k, out var rev)
                    ? await store.UpdateAsync(key, value, rev)
                    : await store.CreateAsync(key, value);
                modRevisions[k] = result.Current?.ModRevision ?? throw new InvalidOperationException($"fill write failed: {result.Status}");
                if (i % 100_000 == 0)
                {
                    Console.Error.WriteLine($"  {i} revisions, {clock.Elapsed.TotalSeconds:F0} s");
                }
            }
        }));
        return clock.Elapsed;
    }
}
