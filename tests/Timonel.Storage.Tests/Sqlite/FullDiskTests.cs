using System.Diagnostics;
using Timonel.Storage.Sqlite;

namespace Timonel.Storage.Tests.Sqlite;

/// <summary>
/// Puts the store on a small tmpfs (needs root) and fills it: writes must fail with
/// <see cref="StorageUnavailableException"/>, never succeed falsely, and work again once space is freed.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_full_disk_fails_writes_keeps_reads_and_recovers_when_space_is_freed()
    {
        Assert.True(Environment.UserName == "root", "this test mounts a tmpfs and must run as root");
        var mount = _directory.File("small");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount);
        try
        {
            await FillAndRecoverAsync(mount);
        }
        finally
        {
            if (Run("umount", mount, check: false) != 0)
            {
                Run("umount", "-l", mount);
            }
        }
    }

    private static async Task FillAndRecoverAsync(string mount)
    {
        var filler = Path.Combine(mount, "filler");
        await File.WriteAllBytesAsync(filler, new byte[1024 * 1024]);
        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(mount, "state.db") });
        var value = new byte[16 * 1024];
        new Random(1).NextBytes(value);

        var acknowledged = new List<(string Key, long Revision)>();
        StorageUnavailableException? failure = null;
        for (var i = 0; i < 10_000 && failure is null; i++)
        {
            var key = $"/full/{i:D5}";
            try
            {
                var result = await store.CreateAsync(key, value);
                Assert.Equal(WriteStatus.Ok, result.Status);
                acknowledged.Add((key, result.Revision));
            }
            catch (StorageUnavailableException e)
            {
                failure = e;
            }
        }
        Assert.NotNull(failure);
        Assert.NotEmpty(acknowledged);

        // Reads keep working and see every acknowledged write, and nothing else.
        foreach (var (key, revision) in acknowledged)
        {
            var item = (await store.GetAsync(key)).Item;
            Assert.NotNull(item);
            Assert.Equal(revision, item.ModRevision);
            Assert.Equal(value, item.Value.ToArray());
        }
        Assert.Equal(acknowledged.Count, await store.CountAsync("/full/"));
        var revisionWhileFull = await store.GetRevisionAsync();
        Assert.Equal(acknowledged[^1].Revision, revisionWhileFull);

        File.Delete(filler);
        var after = await store.CreateAsync("/full/after", value);
        Assert.Equal(WriteStatus.Ok, after.Status);
        Assert.True(after.Revision > revisionWhileFull);
        Assert.Equal(value, (await store.GetAsync("/full/after")).Item!.Value.ToArray());
    }

    private static int Run(string file, params string[] arguments) => Run(file, arguments, check: true);

    private static int Run(string file, string argument, bool check) => Run(file, [argument], check);

    private static int Run(string file, string[] arguments, bool check)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {error}");
        }
        return process.ExitCode;
    }
}
