using System.Diagnostics;
using System.Globalization;
using Timonel.Storage.Sqlite;

namespace Timonel.Storage.Tests.Sqlite;

/// <summary>
/// Kills a writing process with SIGKILL at random moments and checks that every write it
/// acknowledged survived and that the revision never went backwards.
/// </summary>
public sealed class CrashDurabilityTests : IDisposable
{
    private const int Rounds = 20;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Every_acknowledged_write_survives_a_kill_9_over_twenty_rounds()
    {
        var path = _directory.File("state.db");
        var random = new Random();
        long lastRevision = 1;
        var totalAcks = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var (ready, acks) = await RunAndKillAsync(path, round, TimeSpan.FromMilliseconds(random.Next(50, 600)));
            Assert.True(ready >= lastRevision, $"round {round}: opened at revision {ready}, below {lastRevision}");
            totalAcks += acks.Count;

            await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path });
            var revision = await store.GetRevisionAsync();
            foreach (var (key, ackedRevision) in acks)
            {
                var item = (await store.GetAsync(key)).Item;
                Assert.True(item is not null, $"round {round}: acknowledged {key} at {ackedRevision} is missing");
                Assert.Equal(ackedRevision, item.ModRevision);
            }
            var maxAck = acks.Count == 0 ? 0 : acks.Max(a => a.Revision);
            Assert.True(revision >= Math.Max(maxAck, lastRevision), $"round {round}: revision {revision} went backwards");
            lastRevision = revision;
        }
        Assert.True(totalAcks > 0, "the writer never got a write acknowledged");
    }

    private static async Task<(long Ready, List<(string Key, long Revision)> Acks)> RunAndKillAsync(string path, int round, TimeSpan runFor)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "Timonel.Storage.CrashWriter.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { writer, path, round.ToString(CultureInfo.InvariantCulture), "16" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        long ready = -1;
        Task<List<(string, long)>> acks;
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var first = await process.StandardOutput.ReadLineAsync(patience.Token);
            if (first?.StartsWith("ready ", StringComparison.Ordinal) != true)
            {
                process.Kill();
                Assert.Fail($"writer did not start: {first} {await stderr}");
            }
            ready = long.Parse(first!["ready ".Length..], CultureInfo.InvariantCulture);
            acks = ReadAcksAsync(process.StandardOutput);
            await Task.Delay(runFor);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        Assert.Equal(string.Empty, await stderr);
        return (ready, await acks);
    }

    // Every line that reached the pipe was printed after its ack, so it counts, even after the kill.
    private static async Task<List<(string, long)>> ReadAcksAsync(StreamReader output)
    {
        var acks = new List<(string, long)>();
        while (await output.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "ack")
            {
                acks.Add((parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture)));
            }
        }
        return acks;
    }
}
