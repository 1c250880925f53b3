using Timonel.Storage.Sqlite;

namespace Timonel.Commands;

/// <summary>`timonel store status`: what the embedded store in a data dir holds.</summary>
internal static class StoreCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "status")
        {
            return CommandLine.Fail("usage: timonel store status [--data-dir DIR]");
        }
        var flags = Flags.Parse(args[1..]);
        var dataDir = DataDir.Resolve(flags);
        flags.EnsureAllUsed();
        var path = DataDir.StorePath(dataDir);
        if (!File.Exists(path))
        {
            return CommandLine.Fail($"no store at {path}");
        }
        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path });
        Console.WriteLine($"path: {path}");
        Console.WriteLine($"revision: {await store.GetRevisionAsync()}");
        Console.WriteLine($"compacted revision: {await store.GetCompactedRevisionAsync()}");
        Console.WriteLine($"keys: {await store.CountAsync("")}");
        return 0;
    }
}
