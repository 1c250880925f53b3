using System.Text;
using Timonel.Storage.Etcd;

namespace Timonel.Storage.Tests.Etcd;

/// <summary>What the etcd backend adds to the conformance suite: key prefixes, write outcomes as etcd sees them, watch fan-out.</summary>
public sealed class EtcdStoreTests(EtcdFixture fixture) : IClassFixture<EtcdFixture>, IAsyncLifetime
{
    private readonly string _prefix = "/t-" + Guid.NewGuid().ToString("N") + "/";
    private EtcdStore _store = null!;

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private Task<EtcdStore> OpenAsync(string keyPrefix = "", int watchBufferSize = 10_000) =>
        EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = fixture.Etcd.ClientUrl, KeyPrefix = keyPrefix, WatchBufferSize = watchBufferSize });

    private static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static string Text(KeyValue? kv) => kv is null ? "<null>" : Encoding.UTF8.GetString(kv.Value.Span);

    private static CancellationToken HangGuard() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task Conditional_writes_report_their_outcome_with_the_current_value()
    {
        var key = _prefix + "a";
        var created = await _store.CreateAsync(key, Bytes("one"));
        var again = await _store.CreateAsync(key, Bytes("two"));
        Assert.Equal(WriteStatus.AlreadyExists, again.Status);
        Assert.Equal("one", Text(again.Current));

        var updated = await _store.UpdateAsync(key, Bytes("two"), created.Revision);
        Assert.Equal(WriteStatus.Ok, updated.Status);
        Assert.Equal(created.Revision, updated.Current!.CreateRevision);
        Assert.True(updated.Revision > created.Revision);

        var stale = await _store.UpdateAsync(key, Bytes("three"), created.Revision);
        Assert.Equal(WriteStatus.Conflict, stale.Status);
        Assert.Equal("two", Text(stale.Current));
        Assert.Equal(updated.Revision, stale.Current!.ModRevision);

        var staleDelete = await _store.DeleteAsync(key, created.Revision);
        Assert.Equal(WriteStatus.Conflict, staleDelete.Status);
        var deleted = await _store.DeleteAsync(key, updated.Revision);
        Assert.Equal(WriteStatus.Ok, deleted.Status);
        Assert.Equal("two", Text(deleted.Current));

        Assert.Equal(WriteStatus.NotFound, (await _store.UpdateAsync(key, Bytes("x"), deleted.Revision)).Status);
        Assert.Equal(WriteStatus.NotFound, (await _store.DeleteAsync(key)).Status);
        Assert.Equal(WriteStatus.NotFound, (await _store.DeleteAsync(key, deleted.Revision)).Status);
    }

    [Fact]
    public async Task Key_prefix_is_written_to_etcd_and_stripped_on_reads_and_watches()
    {
        await using var prefixed = await OpenAsync(keyPrefix: _prefix + "registry");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var from = await prefixed.GetRevisionAsync() + 1;
        await using var watch = prefixed.WatchAsync(new WatchRequest("/pods/", from), cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        var written = await prefixed.CreateAsync("/pods/a", Bytes("pod"));

        var raw = await _store.GetAsync(_prefix + "registry/pods/a");
        Assert.Equal("pod", Text(raw.Item));
        var range = await prefixed.RangeAsync(RangeRequest.Prefix("/pods/"));
        Assert.Equal("/pods/a", Assert.Single(range.Items).Key);
        var everything = await prefixed.RangeAsync(RangeRequest.Prefix(""));
        Assert.Equal("/pods/a", Assert.Single(everything.Items).Key);
        Assert.Equal(1, await prefixed.CountAsync("/pods/"));
        Assert.True(await next);
        Assert.Equal("/pods/a", watch.Current.Kv!.Key);
        Assert.Equal(written.Revision, watch.Current.Revision);
    }

    [Fact]
    public async Task Range_pages_read_one_snapshot_while_writes_continue()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.CreateAsync($"{_prefix}k{i}", Bytes($"v{i}"));
        }
        var first = await _store.RangeAsync(RangeRequest.Prefix(_prefix, limit: 2));
        Assert.True(first.More);
        await _store.CreateAsync(_prefix + "k9", Bytes("late"));
        var keys = first.Items.Select(i => i.Key).ToList();
        var page = first;
        while (page.More)
        {
            page = await _store.RangeAsync(new RangeRequest(KeyRange.After(page.Items[^1].Key), KeyRange.PrefixEnd(_prefix), first.Revision, 2));
            keys.AddRange(page.Items.Select(i => i.Key));
        }
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{_prefix}k{i}"), keys);
        Assert.Equal(6, await _store.CountAsync(_prefix));
    }

    [Fact]
    public async Task Watch_from_a_revision_sees_concurrent_writes_in_order_without_gaps_or_duplicates()
    {
        var start = await _store.GetRevisionAsync() + 1;
        const int writers = 8, writesEach = 40;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            var key = $"{_prefix}w{w}";
            var rev = (await _store.CreateAsync(key, Bytes("0"))).Revision;
            for (var i = 1; i < writesEach; i++)
            {
                rev = (await _store.UpdateAsync(key, Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), rev)).Revision;
            }
        }));

        var events = new List<WatchEvent>();
        var guard = HangGuard();
        await foreach (var e in _store.WatchAsync(new WatchRequest(_prefix, start), guard))
        {
            events.Add(e);
            if (events.Count == writers * writesEach)
            {
                break;
            }
        }
        Assert.All(events.Zip(events.Skip(1)), pair => Assert.True(pair.Second.Revision > pair.First.Revision));
        Assert.Equal(writers, events.Count(e => e.PrevKv is null));
        foreach (var e in events.Where(e => e.PrevKv is not null))
        {
            var value = int.Parse(Text(e.Kv), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(value - 1, int.Parse(Text(e.PrevKv), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_thousand_concurrent_watchers_each_receive_the_write()
    {
        var guard = HangGuard();
        // Starting after the current revision, each watch sees the write however late etcd confirms it.
        var from = await _store.GetRevisionAsync() + 1;
        var watchers = Enumerable.Range(0, 1000).Select(_ =>
        {
            var e = _store.WatchAsync(new WatchRequest(_prefix, from), guard).GetAsyncEnumerator(guard);
            return (Enumerator: e, First: e.MoveNextAsync().AsTask());
        }).ToList();
        var written = await _store.CreateAsync(_prefix + "shared", Bytes("x"));
        foreach (var (enumerator, first) in watchers)
        {
            Assert.True(await first);
            Assert.Equal(written.Revision, enumerator.Current.Revision);
            Assert.Equal(_prefix + "shared", enumerator.Current.Kv!.Key);
            await enumerator.DisposeAsync();
        }
    }

    [Fact]
    public async Task Idle_watch_with_progress_notify_hears_the_current_revision()
    {
        var guard = HangGuard();
        var before = await _store.GetRevisionAsync();
        await foreach (var e in _store.WatchAsync(new WatchRequest(_prefix, ProgressNotify: true), guard))
        {
            Assert.Equal(WatchEventType.Progress, e.Type);
            Assert.True(e.Revision >= before);
            break;
        }
    }

    [Fact]
    public async Task A_consumer_that_stops_reading_is_cut_off_as_lagging_after_its_buffer()
    {
        var guard = HangGuard();
        await using var store = await OpenAsync(watchBufferSize: 10);
        var from = await store.GetRevisionAsync() + 1;
        await using var slow = store.WatchAsync(new WatchRequest(_prefix + "k", from), guard).GetAsyncEnumerator(guard);
        var firstSlow = slow.MoveNextAsync();
        // Both watches share one stream, on which etcd sends in revision order: once the marker
        // arrived, every event of the slow watch was offered to it.
        await using var marker = store.WatchAsync(new WatchRequest(_prefix + "marker", from), guard).GetAsyncEnumerator(guard);
        var markerSeen = marker.MoveNextAsync();

        for (var i = 0; i < 30; i++)
        {
            await store.CreateAsync($"{_prefix}k{i:D2}", Bytes("v"));
        }
        await store.CreateAsync(_prefix + "marker", Bytes("m"));
        Assert.True(await firstSlow);
        Assert.True(await markerSeen);

        var received = new List<long> { slow.Current.Revision };
        var lagged = await Assert.ThrowsAsync<WatchLaggedException>(async () =>
        {
            while (await slow.MoveNextAsync())
            {
                received.Add(slow.Current.Revision);
            }
        });
        Assert.True(received.Count < 30);
        Assert.Equal(received[^1], lagged.LastDeliveredRevision);
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => received[0] + i), received);
    }
}
