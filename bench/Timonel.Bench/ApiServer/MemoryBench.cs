using System.Diagnostics;
using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-memory: VmRSS of the server process idle after start (after the settle time and again
/// 30 s after ready), after storing N ConfigMaps of
/// 1 KiB, and after one LIST at resourceVersion=0 (which fills the watch cache). Each reading
/// follows a few idle seconds so in-flight buffers are gone.
/// </summary>
internal static class MemoryBench
{
    /// <summary>When the idle reading is taken: long enough for the server to have been quiet for a while.</summary>
    private static readonly TimeSpan IdleReading = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var objects = flags.Int("objects", 100_000);
        var valueBytes = flags.Int("value-bytes", 1024);
        var settle = TimeSpan.FromSeconds(flags.Int("settle-seconds", 5));
        flags.CheckAllUsed();

        await using var server = await BenchServer.StartNewAsync();
        await Task.Delay(settle);
        Report($"idle, {settle.TotalSeconds:F0} s after ready", server);
        if (settle < IdleReading)
        {
            await Task.Delay(IdleReading - settle);
            Report($"idle, {IdleReading.TotalSeconds:F0} s after ready", server);
        }
        using (var client = server.Client(BenchHttp.Http2, 64))
        {
            await ConfigMaps.CreateNamespaceAsync(client, "bench");
            var fill = await ConfigMaps.FillAsync(client, "bench", "cm-", objects, valueBytes, 64);
            Console.WriteLine($"stored {objects} ConfigMaps of {valueBytes} B in {fill.TotalSeconds:F1} s ({objects / fill.TotalSeconds:F0}/s)");
            await Task.Delay(settle);
            Report($"after storing {objects} ConfigMaps", server);
            var clock = Stopwatch.StartNew();
            using (var response = await client.GetAsync(ConfigMaps.Path("bench") + "?resourceVersion=0", HttpCompletionOption.ResponseHeadersRead))
            {
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadAsByteArrayAsync();
                Console.WriteLine($"LIST rv=0 of {objects}: {body.Length / 1024.0 / 1024.0:F0} MiB in {clock.Elapsed.TotalMilliseconds:F0} ms");
            }
            Report("right after one LIST at resourceVersion=0", server);
            await Task.Delay(settle);
            Report("after the LIST, settled", server);
        }
        return 0;
    }

    private static void Report(string label, BenchServer server) =>
        Console.WriteLine($"VmRSS {label}: {server.ResidentBytes() / 1024.0 / 1024.0:F0} MiB");
}
