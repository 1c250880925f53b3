using Timonel.Storage.Sqlite;

namespace Timonel.Commands;

/// <summary>
/// `timonel up`: a local cluster on this machine. Today only the state store exists, so `up` opens
/// (or creates) it in the data dir, reports it, and says plainly what is not built yet.
/// </summary>
internal static class UpCommand
{
    public static async Task<int> RunAsync(Flags flags)
    {
        var dataDir = DataDir.Resolve(flags);
        flags.EnsureAllUsed();
        var path = DataDir.StorePath(dataDir);
        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path });
        var revision = await store.GetRevisionAsync();
        Console.WriteLine($"timonel v{VersionCommand.Version}");
        Console.WriteLine($"state store ready: {path} (SQLite, revision {revision})");
        Console.WriteLine("not built yet: API server, scheduler, controllers, node agent, networking.");
        Console.WriteLine("Until they land, `up` only prepares the store; see README.md for what works.");
        return 0;
    }
}
