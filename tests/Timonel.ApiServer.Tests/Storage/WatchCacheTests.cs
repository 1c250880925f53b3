using System.Text;
using Timonel.ApiServer.Storage;
using Timonel.Storage.Sqlite;

namespace Timonel.ApiServer.Tests.Storage;

/// <summary>The watch cache over a real SQLite store: fan-out, replay from the window, slow subscribers cut off.</summary>
public sealed class WatchCacheTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-watchcache-").FullName;
    private SqliteStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(_dir, "state.db") });

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<long> CreateAsync(string name)
    {
        var json = $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"ns\"}}}}";
        var result = await _store.CreateAsync($"/registry/configmaps/ns/{name}", Encoding.UTF8.GetBytes(json));
        Assert.True(result.Succeeded);
        return result.Revision;
    }

    [Fact]
    public async Task Snapshot_holds_existing_objects_with_their_revisions()
    {
        var rev = await CreateAsync("a");
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        var (items, revision) = await cache.SnapshotAsync("/registry/configmaps/ns/", CancellationToken.None);
        var item = Assert.Single(items).Parse();
        Assert.Equal("a", ObjectMeta.Name(item));
        Assert.Equal(rev.ToString(System.Globalization.CultureInfo.InvariantCulture), ObjectMeta.ResourceVersion(item));
        Assert.True(revision >= rev);
    }

    [Fact]
    public async Task A_slow_subscriber_is_cut_off_while_a_reading_one_gets_every_event()
    {
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        var (_, start) = await cache.SnapshotAsync("/registry/configmaps/", CancellationToken.None);
        using var slow = await cache.SubscribeAsync("/registry/configmaps/", start, CancellationToken.None);
        using var reader = await cache.SubscribeAsync("/registry/configmaps/", start, CancellationToken.None);
        Assert.NotNull(slow);
        Assert.NotNull(reader);
        const int count = 6000; // more than a subscriber may hold undelivered
        var received = new List<string>();
        var readTask = Task.Run(async () =>
        {
            await foreach (var (ev, _) in reader.Reader.ReadAllAsync())
            {
                if (ev is null) continue;
                received.Add(ObjectMeta.Name(ev.Current.Parse())!);
                if (received.Count == count) return;
            }
        });
        for (var i = 0; i < count; i++)
        {
            await CreateAsync($"c{i}");
        }
        await readTask.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"c{i}"), received);
        // The slow subscriber's feed was completed early: it holds at most its buffer, then ends.
        var slowCount = 0;
        await foreach (var (ev, _) in slow.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token))
        {
            if (ev is not null) slowCount++;
        }
        Assert.InRange(slowCount, 1, count - 1);
    }

    [Fact]
    public async Task A_watch_from_a_recent_revision_replays_from_the_window()
    {
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        var (_, start) = await cache.SnapshotAsync("/registry/configmaps/", CancellationToken.None);
        await CreateAsync("x");
        var second = await CreateAsync("y");
        await WaitUntilAsync(() => cache.Revision >= second);
        using var sub = await cache.SubscribeAsync("/registry/configmaps/", start, CancellationToken.None);
        Assert.NotNull(sub);
        var names = new List<string>();
        await foreach (var (ev, _) in sub.Reader.ReadAllAsync())
        {
            if (ev is null) continue;
            names.Add(ObjectMeta.Name(ev.Current.Parse())!);
            if (names.Count == 2) break;
        }
        Assert.Equal(["x", "y"], names);
    }

    [Fact]
    public async Task Writes_of_other_resources_between_a_list_and_its_watch_do_not_send_the_watch_to_the_store()
    {
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        await CreateAsync("before");
        await cache.ReadyAsync(CancellationToken.None);
        var listedAt = (await _store.CreateAsync("/registry/secrets/ns/s0", Encoding.UTF8.GetBytes("{}"))).Revision;
        for (var i = 1; i <= 3; i++)
        {
            await _store.CreateAsync($"/registry/secrets/ns/s{i}", Encoding.UTF8.GetBytes("{}"));
        }
        var after = await CreateAsync("after");
        await WaitUntilAsync(() => cache.Revision >= after);

        // The window has every configmap event after the fill; the secrets' revisions in between are no gap.
        using var sub = await cache.SubscribeAsync("/registry/configmaps/", listedAt, CancellationToken.None);
        Assert.NotNull(sub);
        Assert.True(sub.Reader.TryRead(out var first));
        Assert.Equal("after", ObjectMeta.Name(first.Event!.Current.Parse()));
        // Before the fill, the cache cannot know what happened: the store must answer.
        Assert.Null(await cache.SubscribeAsync("/registry/configmaps/", 0, CancellationToken.None));
    }

    [Fact]
    public async Task A_subscription_from_the_window_start_names_the_revision_up_to_which_the_store_must_answer()
    {
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        var before = await CreateAsync("before");
        await cache.ReadyAsync(CancellationToken.None);
        var after = await CreateAsync("after");
        await WaitUntilAsync(() => cache.Revision >= after);

        var (sub, historyUntil) = await cache.SubscribeFromWindowStartAsync("/registry/configmaps/", CancellationToken.None);
        using (sub)
        {
            // "before" is the store's to tell (at or below the revision), "after" the subscription's.
            Assert.InRange(historyUntil, before, after - 1);
            Assert.True(sub.Reader.TryRead(out var first));
            Assert.Equal("after", ObjectMeta.Name(first.Event!.Current.Parse()));
            Assert.False(sub.Reader.TryRead(out _));
        }
    }

    [Fact]
    public async Task A_fresh_snapshot_holds_every_acknowledged_write_also_when_only_other_resources_changed()
    {
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        await cache.ReadyAsync(CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            await CreateAsync($"c{i}");
            var fresh = await cache.FreshSnapshotAsync("/registry/configmaps/ns/", 0, CancellationToken.None);
            Assert.NotNull(fresh);
            Assert.Contains($"c{i}", fresh.Value.Items.Select(o => o.Name));
        }
        // No configmap event carries the secret's revision; the store's progress, asked for on the
        // spot (the idle interval is 5 s, the cache waits at most 3 s), tells the cache it missed nothing.
        var secret = (await _store.CreateAsync("/registry/secrets/ns/s", Encoding.UTF8.GetBytes("{}"))).Revision;
        var after = await cache.FreshSnapshotAsync("/registry/configmaps/ns/", 0, CancellationToken.None);
        Assert.NotNull(after);
        Assert.True(after.Value.Revision >= secret);
        Assert.Equal(20, after.Value.Items.Count);
        Assert.All(after.Value.Items, o => Assert.Equal("ns", o.Namespace));
    }

    [Fact]
    public async Task A_later_page_comes_from_the_cache_only_while_nothing_changed_since_the_first()
    {
        await using var cache = new WatchCache(_store, "/registry/configmaps/");
        foreach (var name in new[] { "a", "b", "c" }) await CreateAsync(name);
        var first = await cache.FreshSnapshotAsync("/registry/configmaps/ns/", 0, CancellationToken.None);
        Assert.NotNull(first);
        // A write elsewhere moves the store on; this resource's state at the page's revision is still the cache's.
        await _store.CreateAsync("/registry/secrets/ns/s", Encoding.UTF8.GetBytes("{}"));
        var rest = await cache.SnapshotAtAsync("/registry/configmaps/ns/", first.Value.Revision, "/registry/configmaps/ns/a", CancellationToken.None);
        Assert.Equal(["b", "c"], rest!.Select(o => o.Name));

        var changed = await CreateAsync("d");
        await WaitUntilAsync(() => cache.Revision >= changed);
        Assert.Null(await cache.SnapshotAtAsync("/registry/configmaps/ns/", first.Value.Revision, "/registry/configmaps/ns/a", CancellationToken.None));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
