using Microsoft.Data.Sqlite;
using Timonel.Storage.Sqlite;
using Timonel.Storage.Tests.Conformance;

namespace Timonel.Storage.Tests.Sqlite;

/// <summary>The conformance suite against the embedded store, one fresh file per test.</summary>
public sealed class SqliteConformanceTests : KeyValueStoreConformance, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override async Task<IKeyValueStore> OpenStoreAsync() =>
        await SqliteStore.OpenAsync(new SqliteStoreOptions
        {
            Path = _directory.File("state.db"),
            ProgressInterval = TimeSpan.FromMilliseconds(200),
        });

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_progress_request_is_answered_after_pending_events_without_waiting_for_idle()
    {
        // An idle interval of an hour: any progress within the test's patience came from the request.
        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions
        {
            Path = _directory.File("progress.db"),
            ProgressInterval = TimeSpan.FromHours(1),
        });
        Assert.True(store.ReportsProgressOnRequest);
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = store.WatchAsync(new WatchRequest("/a/", 0, ProgressNotify: true), cts.Token).GetAsyncEnumerator(cts.Token);
        var first = watch.MoveNextAsync().AsTask();
        var mine = await store.CreateAsync("/a/1", Bytes("x"));
        var other = await store.CreateAsync("/b/1", Bytes("y"));
        store.RequestWatchProgress();

        // The event still queued comes first, then progress at (at least) the newest revision.
        Assert.True(await first);
        Assert.Equal((WatchEventType.Put, mine.Revision), (watch.Current.Type, watch.Current.Revision));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(WatchEventType.Progress, watch.Current.Type);
        Assert.True(watch.Current.Revision >= other.Revision);
    }

    [Fact]
    public async Task A_store_never_written_is_at_revision_1_and_the_first_write_gets_2()
    {
        Assert.Equal(1, await Store.GetRevisionAsync());
        Assert.Equal(1, (await Store.RangeAsync(RangeRequest.Prefix(""))).Revision);
        Assert.Equal(2, (await Store.CreateAsync("/a", Bytes("x"))).Revision);
    }

    [Fact]
    public async Task Finished_reads_hold_no_snapshot_so_a_full_checkpoint_completes()
    {
        // Read connections keep their prepared statements between reads; a statement left
        // running would pin its snapshot and the WAL could never be folded back.
        var created = await Store.CreateAsync("/a", Bytes("x"));
        for (var i = 0; i < 20; i++)
        {
            await Store.GetAsync("/a");
            await Store.GetAsync("/a", created.Revision);
            await Store.RangeAsync(RangeRequest.Prefix("/"));
            await Store.CountAsync("/");
        }
        await Store.UpdateAsync("/a", Bytes("y"), created.Revision);

        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _directory.File("state.db"), Pooling = false }.ToString());
        other.Open();
        using var checkpoint = other.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var reader = checkpoint.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(0L, reader.GetInt64(0)); // busy: 0 when no reader held the checkpoint back
        Assert.Equal("y", System.Text.Encoding.UTF8.GetString((await Store.GetAsync("/a")).Item!.Value.Span));
    }
}
