using System.Text;
using Timonel.Storage.Etcd;

namespace Timonel.Storage.Tests.Etcd;

/// <summary>
/// Compaction, future revisions and a lost etcd. Each test starts its own etcd: compaction is
/// global to an etcd, and one test kills its member.
/// </summary>
public sealed class EtcdFailureTests
{
    private static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static Task<EtcdStore> OpenAsync(EtcdProcess etcd) =>
        EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = etcd.ClientUrl, RequestTimeout = TimeSpan.FromSeconds(3) });

    [Fact]
    public async Task Compaction_is_found_by_any_client_and_refuses_older_reads_and_watches()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var store = await OpenAsync(etcd);
        Assert.True(await store.GetCompactedRevisionAsync() <= 1);
        var first = await store.CreateAsync("/c/a", Bytes("1"));
        long last = first.Revision;
        for (var i = 0; i < 20; i++)
        {
            last = (await store.UpdateAsync("/c/a", Bytes($"{i}"), last)).Revision;
        }
        var compactAt = last - 5;
        await store.CompactAsync(compactAt);

        // A client that did not compact learns the revision from etcd itself.
        await using var other = await OpenAsync(etcd);
        Assert.Equal(compactAt, await other.GetCompactedRevisionAsync());
        Assert.Equal(compactAt, await store.GetCompactedRevisionAsync());

        var read = await Assert.ThrowsAsync<CompactedException>(async () => await other.GetAsync("/c/a", first.Revision));
        Assert.Equal(compactAt, read.CompactedRevision);
        Assert.NotNull((await other.GetAsync("/c/a", compactAt)).Item);

        var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        var watch = await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var _ in other.WatchAsync(new WatchRequest("/c/", first.Revision), guard))
            {
            }
        });
        Assert.Equal(compactAt, watch.CompactedRevision);

        var replay = new List<long>();
        await foreach (var e in other.WatchAsync(new WatchRequest("/c/", compactAt), guard))
        {
            replay.Add(e.Revision);
            if (e.Revision == last)
            {
                break;
            }
        }
        Assert.Equal(Enumerable.Range(0, 6).Select(i => compactAt + i), replay);

        // Compacting again at an older revision changes nothing.
        await other.CompactAsync(compactAt - 1);
        Assert.Equal(compactAt, await other.GetCompactedRevisionAsync());
    }

    [Fact]
    public async Task Reads_and_watches_beyond_the_current_revision_are_future_revisions()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var store = await OpenAsync(etcd);
        var now = await store.GetRevisionAsync();
        await Assert.ThrowsAsync<FutureRevisionException>(async () => await store.GetAsync("/f/a", now + 10));
        await Assert.ThrowsAsync<FutureRevisionException>(async () => await store.RangeAsync(RangeRequest.Prefix("/f/", now + 10)));
        await Assert.ThrowsAsync<FutureRevisionException>(async () =>
        {
            await foreach (var _ in store.WatchAsync(new WatchRequest("/f/", now + 10)))
            {
            }
        });
    }

    [Fact]
    public async Task A_lost_etcd_makes_calls_and_open_watches_fail_as_unavailable()
    {
        var etcd = await EtcdProcess.StartAsync();
        try
        {
            await using var store = await OpenAsync(etcd);
            var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
            var from = await store.GetRevisionAsync() + 1;
            await using var watch = store.WatchAsync(new WatchRequest("/u/", from), guard).GetAsyncEnumerator(guard);
            var next = watch.MoveNextAsync();
            await store.CreateAsync("/u/a", Bytes("1"));
            Assert.True(await next);

            await etcd.DisposeAsync();

            await Assert.ThrowsAsync<StorageUnavailableException>(async () => await watch.MoveNextAsync());
            await Assert.ThrowsAsync<StorageUnavailableException>(async () => await store.CreateAsync("/u/b", Bytes("2")));
            await Assert.ThrowsAsync<StoreOpenException>(() => OpenAsync(etcd));
        }
        finally
        {
            await etcd.DisposeAsync();
        }
    }
}
