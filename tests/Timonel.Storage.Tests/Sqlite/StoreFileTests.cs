using Microsoft.Data.Sqlite;
using Timonel.Storage.Sqlite;

namespace Timonel.Storage.Tests.Sqlite;

/// <summary>Opening files that are not a usable Timonel store, and reopening ones that are.</summary>
public sealed class StoreFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Random_bytes_are_refused_naming_the_file_and_left_unchanged()
    {
        var path = _directory.File("random.db");
        var bytes = new byte[64 * 1024];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        await AssertRefusedUnchangedAsync(path);
    }

    [Fact]
    public async Task A_truncated_store_is_refused_naming_the_file_and_left_unchanged()
    {
        var path = _directory.File("state.db");
        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            var value = new byte[2048];
            await Task.WhenAll(Enumerable.Range(0, 500).Select(i => store.CreateAsync($"/k/{i:D4}", value).AsTask()));
        }
        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0, "closing should checkpoint the WAL");
        await using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }
        await AssertRefusedUnchangedAsync(path);
    }

    [Fact]
    public async Task A_store_cut_off_during_a_checkpoint_opens_with_all_its_data()
    {
        // First 300 keys checkpointed into the main file; 300 more only in the WAL, copied while the
        // store is open (what a kill -9 leaves behind).
        var live = _directory.File("live.db");
        var path = _directory.File("state.db");
        var value = new byte[2048];
        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = live }))
        {
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => store.CreateAsync($"/k/{i:D4}", value).AsTask()));
        }
        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = live }))
        {
            await Task.WhenAll(Enumerable.Range(300, 300).Select(i => store.CreateAsync($"/k/{i:D4}", value).AsTask()));
            File.Copy(live, path);
            File.Copy(live + "-wal", path + "-wal");
        }
        Assert.True(new FileInfo(path + "-wal").Length > 32, "the copy holds WAL frames");
        // A checkpoint writes page 1 (the header with the grown page count) before it extends the
        // file: a crash in between leaves a main file shorter than its header says.
        await using (var stream = new FileStream(path, FileMode.Open))
        {
            var pages = (uint)(stream.Length / 4096 * 2);
            stream.Position = 28;
            stream.Write([(byte)(pages >> 24), (byte)(pages >> 16), (byte)(pages >> 8), (byte)pages]);
        }

        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            Assert.Equal(600, await store.CountAsync("/k/"));
        }
    }

    [Fact]
    public async Task Another_applications_database_is_refused_naming_the_file_and_left_unchanged()
    {
        var path = _directory.File("other.db");
        CreateDatabase(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users(name) VALUES ('ann');");
        await AssertRefusedUnchangedAsync(path);
    }

    [Fact]
    public async Task A_database_with_our_tables_but_another_application_id_is_refused()
    {
        var path = _directory.File("lookalike.db");
        CreateDatabase(path,
            "PRAGMA application_id = 42; CREATE TABLE log (rev INTEGER PRIMARY KEY); " +
            "CREATE TABLE current (key TEXT PRIMARY KEY); CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER);");
        await AssertRefusedUnchangedAsync(path);
    }

    [Fact]
    public async Task A_reopened_store_keeps_its_data_revision_and_compaction()
    {
        var path = _directory.File("nested/dir/state.db");
        long revision;
        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            var a = await store.CreateAsync("/a", "one"u8.ToArray());
            await store.UpdateAsync("/a", "two"u8.ToArray(), a.Revision);
            await store.CompactAsync(a.Revision + 1);
            revision = (await store.DeleteAsync("/a")).Revision;
            await store.CreateAsync("/b", "bee"u8.ToArray());
            revision = await store.GetRevisionAsync();
        }
        await using (var reopened = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            Assert.Equal(revision, await reopened.GetRevisionAsync());
            Assert.Null((await reopened.GetAsync("/a")).Item);
            Assert.Equal("bee"u8.ToArray(), (await reopened.GetAsync("/b")).Item!.Value.ToArray());
            var compacted = await reopened.GetCompactedRevisionAsync();
            Assert.True(compacted > 0);
            await Assert.ThrowsAsync<CompactedException>(async () => await reopened.GetAsync("/a", compacted - 1));
            Assert.Equal("two"u8.ToArray(), (await reopened.GetAsync("/a", compacted)).Item!.Value.ToArray());
            Assert.True((await reopened.CreateAsync("/c", "c"u8.ToArray())).Revision > revision);
        }
    }

    [Fact]
    public async Task A_version_1_store_is_migrated_on_open_keeping_every_value_and_revision()
    {
        // What builds before schema version 2 wrote: the live value copied into `current`.
        var path = _directory.File("v1.db");
        CreateDatabase(path, $"""
            PRAGMA application_id = {SqliteSchema.ApplicationId}; PRAGMA journal_mode = WAL;
            CREATE TABLE log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL COLLATE BINARY, create_rev INTEGER NOT NULL,
                prev_rev INTEGER NOT NULL, deleted INTEGER NOT NULL, value BLOB);
            CREATE INDEX log_key_rev ON log(key, rev);
            CREATE TABLE current (key TEXT NOT NULL COLLATE BINARY PRIMARY KEY, rev INTEGER NOT NULL,
                create_rev INTEGER NOT NULL, value BLOB) WITHOUT ROWID;
            CREATE TABLE meta (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO meta(name, value) VALUES ('schema_version', 1), ('compact_rev', 0);
            INSERT INTO log VALUES (1, '/a', 1, 0, 0, X'6F6E65'), (2, '/a', 1, 1, 0, X'74776F'),
                (3, '/b', 3, 0, 0, X'626565'), (4, '/c', 4, 0, 0, X'63'), (5, '/c', 4, 4, 1, X'');
            INSERT INTO current VALUES ('/a', 2, 1, X'74776F'), ('/b', 3, 3, X'626565');
            """);

        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            Assert.Equal(5, await store.GetRevisionAsync());
            var a = (await store.GetAsync("/a")).Item!;
            Assert.Equal(("two", 1L, 2L), (System.Text.Encoding.UTF8.GetString(a.Value.Span), a.CreateRevision, a.ModRevision));
            Assert.Equal("one"u8.ToArray(), (await store.GetAsync("/a", 1)).Item!.Value.ToArray());
            Assert.Null((await store.GetAsync("/c")).Item);
            var listed = await store.RangeAsync(new RangeRequest("/", "0"));
            Assert.Equal(["/a", "/b"], listed.Items.Select(item => item.Key));
            Assert.Equal("bee"u8.ToArray(), listed.Items[1].Value.ToArray());
            await store.UpdateAsync("/b", "bee2"u8.ToArray(), 3);
        }
        await using (var reopened = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            Assert.Equal("bee2"u8.ToArray(), (await reopened.GetAsync("/b")).Item!.Value.ToArray());
            Assert.Equal(6, await reopened.GetRevisionAsync());
        }
    }

    [Fact]
    public async Task A_store_of_a_newer_schema_version_is_refused_naming_the_file_and_left_unchanged()
    {
        var path = _directory.File("future.db");
        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }))
        {
            await store.CreateAsync("/a", "one"u8.ToArray());
        }
        CreateDatabase(path, $"UPDATE meta SET value = {SqliteSchema.SchemaVersion + 1} WHERE name = 'schema_version'");
        await AssertRefusedUnchangedAsync(path);
    }

    [Fact]
    public async Task Automatic_compaction_keeps_the_configured_number_of_revisions()
    {
        var options = new SqliteStoreOptions
        {
            Path = _directory.File("state.db"),
            CompactionInterval = TimeSpan.FromMilliseconds(50),
            RetainDuration = TimeSpan.Zero,
            RetainRevisions = 10,
        };
        await using var store = await SqliteStore.OpenAsync(options);
        var first = await store.CreateAsync("/k", "0"u8.ToArray());
        var last = first;
        for (var i = 1; i <= 40; i++)
        {
            last = await store.UpdateAsync("/k", "x"u8.ToArray(), last.Revision);
        }
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await store.GetCompactedRevisionAsync() < last.Revision - options.RetainRevisions)
        {
            await Task.Delay(20, patience.Token);
        }
        Assert.Equal(last.Revision - options.RetainRevisions, await store.GetCompactedRevisionAsync());
        Assert.NotNull((await store.GetAsync("/k", last.Revision - options.RetainRevisions)).Item);
        await Assert.ThrowsAsync<CompactedException>(async () => await store.GetAsync("/k", first.Revision));
    }

    private static async Task AssertRefusedUnchangedAsync(string path)
    {
        var before = await File.ReadAllBytesAsync(path);
        var error = await Assert.ThrowsAsync<StoreOpenException>(async () =>
            await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.False(File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0, "a refused file must not get a WAL");
    }

    private static void CreateDatabase(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
