namespace Timonel.Storage.Tests.Conformance;

public abstract partial class KeyValueStoreConformance
{
    [Fact]
    public async Task Watch_from_an_old_revision_replays_the_missed_events_then_live_ones()
    {
        var a = await MustCreateAsync(K("w/a"), "a1");
        await MustCreateAsync(K("other/x"), "not watched");
        var a2 = await Store.UpdateAsync(K("w/a"), Bytes("a2"), a.Revision);
        var b = await MustCreateAsync(K("w/b"), "b1");

        using var cts = new CancellationTokenSource(Patience);
        await using var watch = Store.WatchAsync(new WatchRequest(K("w/"), a.Revision), cts.Token).GetAsyncEnumerator(cts.Token);
        var replayed = await TakeAsync(watch, 3);
        Assert.Equal(new[] { a.Revision, a2.Revision, b.Revision }, replayed.Select(e => e.Revision));
        Assert.Equal(new[] { "a1", "a2", "b1" }, replayed.Select(e => Text(e.Kv!)));

        var b2 = await Store.UpdateAsync(K("w/b"), Bytes("b2"), b.Revision);
        await MustCreateAsync(K("other/y"), "not watched");
        var c = await MustCreateAsync(K("w/c"), "c1");
        var live = await TakeAsync(watch, 2);
        Assert.Equal(new[] { b2.Revision, c.Revision }, live.Select(e => e.Revision));
        Assert.Equal(new[] { "b2", "c1" }, live.Select(e => Text(e.Kv!)));
    }

    [Fact]
    public async Task Watch_events_carry_the_previous_value_and_deletes_carry_the_deleted_one()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var updated = await Store.UpdateAsync(K("a"), Bytes("two"), created.Revision);
        var deleted = await Store.DeleteAsync(K("a"));

        using var cts = new CancellationTokenSource(Patience);
        await using var watch = Store.WatchAsync(new WatchRequest(Prefix, created.Revision), cts.Token).GetAsyncEnumerator(cts.Token);
        var replayed = await TakeAsync(watch, 3);
        var recreated = await MustCreateAsync(K("a"), "three");
        var deletedAgain = await Store.DeleteAsync(K("a"), recreated.Revision);
        var live = await TakeAsync(watch, 2);

        foreach (var events in new[] { replayed, live })
        {
            Assert.Equal(WatchEventType.Put, events[0].Type);
            Assert.Null(events[0].PrevKv);
        }
        Assert.Equal(WatchEventType.Put, replayed[1].Type);
        Assert.Equal("one", Text(replayed[1].PrevKv!));
        Assert.Equal(created.Revision, replayed[1].PrevKv!.ModRevision);
        Assert.Equal(created.Revision, replayed[1].Kv!.CreateRevision);

        Assert.Equal(WatchEventType.Delete, replayed[2].Type);
        Assert.Equal(deleted.Revision, replayed[2].Revision);
        Assert.Equal(deleted.Revision, replayed[2].Kv!.ModRevision);
        Assert.Equal(K("a"), replayed[2].Kv!.Key);
        Assert.Equal("two", Text(replayed[2].PrevKv!));
        Assert.Equal(updated.Revision, replayed[2].PrevKv!.ModRevision);

        Assert.Equal(WatchEventType.Delete, live[1].Type);
        Assert.Equal(deletedAgain.Revision, live[1].Revision);
        Assert.Equal("three", Text(live[1].PrevKv!));
    }

    [Fact]
    public async Task A_thousand_watchers_see_the_same_ordered_stream()
    {
        const int Watchers = 1000, Writes = 200;
        var start = await Store.GetRevisionAsync() + 1;
        using var cts = new CancellationTokenSource(Patience);
        var readers = Enumerable.Range(0, Watchers).Select(_ => Task.Run(async () =>
        {
            var seen = new List<(long, string)>();
            await foreach (var e in Store.WatchAsync(new WatchRequest(Prefix, start), cts.Token))
            {
                if (e.Type == WatchEventType.Progress)
                {
                    continue;
                }
                seen.Add((e.Revision, e.Kv!.Key));
                if (seen.Count == Writes)
                {
                    break;
                }
            }
            return seen;
        })).ToArray();

        var writes = await Task.WhenAll(Enumerable.Range(0, Writes).Select(i =>
            Task.Run(async () => (await MustCreateAsync(K($"k{i:D3}"), $"v{i}")).Revision)));
        var expected = Enumerable.Range(0, Writes).Select(i => (writes[i], K($"k{i:D3}"))).OrderBy(e => e.Item1).ToList();

        foreach (var seen in await Task.WhenAll(readers))
        {
            Assert.Equal(expected, seen);
        }
    }

    [Fact]
    public async Task An_idle_watch_with_progress_notification_hears_the_current_revision()
    {
        var written = await MustCreateAsync(K("a"), "1");
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = Store.WatchAsync(new WatchRequest(K("idle/"), 0, ProgressNotify: true), cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(WatchEventType.Progress, watch.Current.Type);
        Assert.True(watch.Current.Revision >= written.Revision);
        Assert.Null(watch.Current.Kv);
        // Still idle: it hears again, and a change made since then comes through.
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(WatchEventType.Progress, watch.Current.Type);
        var later = await MustCreateAsync(K("idle/b"), "2");
        do
        {
            Assert.True(await watch.MoveNextAsync());
        }
        while (watch.Current.Type == WatchEventType.Progress);
        Assert.Equal((K("idle/b"), later.Revision), (watch.Current.Kv!.Key, watch.Current.Revision));
    }

    [Fact]
    public async Task A_watch_from_now_sees_only_later_changes()
    {
        await MustCreateAsync(K("before"), "old");
        using var cts = new CancellationTokenSource(Patience);
        await using var watch = Store.WatchAsync(new WatchRequest(Prefix), cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = watch.MoveNextAsync().AsTask();
        // A backend may register the watch asynchronously, so a single write could land before it;
        // the test keeps writing until the first event shows up and checks it is a later one.
        var writes = new List<long>();
        for (var i = 0; !pending.IsCompleted; i++)
        {
            writes.Add((await MustCreateAsync(K($"after{i}"), "new")).Revision);
            await Task.WhenAny(pending, Task.Delay(100, cts.Token));
        }
        Assert.True(await pending);
        Assert.StartsWith(K("after"), watch.Current.Kv!.Key);
        Assert.Contains(watch.Current.Revision, writes);
    }
}
