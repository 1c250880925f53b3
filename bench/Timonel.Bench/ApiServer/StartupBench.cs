using Timonel.Bench.Storage;

namespace Timonel.Bench.ApiServer;

/// <summary>
/// apiserver-startup: time from starting `timonel server` to its first 200 on /readyz, median of
/// N starts on a fresh data folder (certificates and the database are created) and N restarts
/// on an existing one (stopped with kill -9 before each restart).
/// </summary>
internal static class StartupBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = new BenchFlags(args);
        var starts = flags.Int("starts", 5);
        flags.CheckAllUsed();

        var fresh = new List<double>();
        for (var i = 0; i < starts; i++)
        {
            await using var server = await BenchServer.StartNewAsync();
            fresh.Add(server.LastStart.TotalMilliseconds);
        }
        var existing = new List<double>();
        await using (var server = await BenchServer.StartNewAsync())
        {
            using (var client = server.Client(BenchHttp.Http2, 16))
            {
                await ConfigMaps.CreateNamespaceAsync(client, "bench");
                await ConfigMaps.FillAsync(client, "bench", "cm-", 1000, 1024, 16);
            }
            for (var i = 0; i < starts; i++)
            {
                server.Stop();
                existing.Add((await server.StartAsync()).TotalMilliseconds);
            }
        }
        Report("fresh data dir", fresh);
        Report("existing data dir (1,000 ConfigMaps, after kill -9)", existing);
        return 0;
    }

    private static void Report(string label, List<double> ms)
    {
        ms.Sort();
        Console.WriteLine($"start to /readyz 200, {label}: median {ms[ms.Count / 2]:F0} ms (runs: {string.Join(", ", ms.Select(m => m.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms)");
    }
}
