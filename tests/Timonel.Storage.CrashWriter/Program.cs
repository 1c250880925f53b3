using System.Text;
using Timonel.Storage;
using Timonel.Storage.Sqlite;

// Usage: Timonel.Storage.CrashWriter <store file> <round> <writers>
// Prints "ready <revision>" once open, then "ack <key> <revision>" for every write the store
// acknowledged, one flushed line each, until it is killed. The durability test kills it with
// SIGKILL at a random moment and checks that every printed ack survived.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Timonel.Storage.CrashWriter <store file> <round> <writers>");
    return 2;
}
var path = args[0];
var round = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
var writers = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);

await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path });
var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
var outputLock = new Lock();
void Print(string line)
{
    lock (outputLock)
    {
        output.WriteLine(line);
    }
}

Print($"ready {await store.GetRevisionAsync()}");
var value = new byte[512];
Random.Shared.NextBytes(value);
await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
{
    for (var i = 0; ; i++)
    {
        var key = $"/crash/r{round:D2}/w{writer:D2}/{i:D6}";
        var result = await store.CreateAsync(key, value);
        if (result.Status != WriteStatus.Ok)
        {
            Console.Error.WriteLine($"unexpected {result.Status} for {key}");
            Environment.Exit(3);
        }
        Print($"ack {key} {result.Revision}");
    }
})));
return 0;
