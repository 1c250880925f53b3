namespace Timonel.Storage.Tests.Conformance;

public abstract partial class KeyValueStoreConformance
{
    [Fact]
    public async Task Range_returns_the_keys_in_the_half_open_interval_in_ordinal_order()
    {
        foreach (var name in new[] { "c", "b/x", "a", "b", "B", "b0", "ba" })
        {
            await MustCreateAsync(K(name), name);
        }
        var range = await Store.RangeAsync(new RangeRequest(K("b"), K("c")));
        Assert.Equal(new[] { "b", "b/x", "b0", "ba" }.Select(K), range.Items.Select(i => i.Key));
        Assert.False(range.More);
        Assert.Equal(new[] { "b", "b/x", "b0", "ba" }, range.Items.Select(Text));

        var all = await Store.RangeAsync(RangeRequest.Prefix(Prefix));
        Assert.Equal(new[] { "B", "a", "b", "b/x", "b0", "ba", "c" }.Select(K), all.Items.Select(i => i.Key));
    }

    [Fact]
    public async Task Range_with_a_limit_reports_more_and_continues_after_the_last_key()
    {
        for (var i = 0; i < 10; i++)
        {
            await MustCreateAsync(K($"k{i}"), $"v{i}");
        }
        var first = await Store.RangeAsync(RangeRequest.Prefix(Prefix, limit: 4));
        Assert.Equal(4, first.Items.Count);
        Assert.True(first.More);
        var rest = await Store.RangeAsync(new RangeRequest(KeyRange.After(first.Items[^1].Key), KeyRange.PrefixEnd(Prefix), first.Revision, 6));
        Assert.Equal(Enumerable.Range(4, 6).Select(i => K($"k{i}")), rest.Items.Select(i => i.Key));
        Assert.False(rest.More);
    }

    [Fact]
    public async Task Pages_read_at_the_first_page_revision_form_one_snapshot_under_concurrent_writes()
    {
        var revisions = new Dictionary<string, long>();
        for (var i = 0; i < 60; i++)
        {
            revisions[K($"k{i:D2}")] = (await MustCreateAsync(K($"k{i:D2}"), "v0")).Revision;
        }
        using var stop = new CancellationTokenSource();
        var churn = Task.Run(async () =>
        {
            // Updates, deletes and creates keep moving the newest state while the pages are read.
            for (var round = 1; !stop.IsCancellationRequested; round++)
            {
                var key = K($"k{round % 60:D2}");
                var current = (await Store.GetAsync(key)).Item;
                if (current is null)
                {
                    await Store.CreateAsync(key, Bytes($"v{round}"));
                }
                else if (round % 3 == 0)
                {
                    await Store.DeleteAsync(key, current.ModRevision);
                }
                else
                {
                    await Store.UpdateAsync(key, Bytes($"v{round}"), current.ModRevision);
                }
                await Store.CreateAsync(K($"new{round:D5}"), Bytes("n"));
            }
        });

        await Task.Delay(50);
        var page = await Store.RangeAsync(RangeRequest.Prefix(Prefix, limit: 7));
        var snapshotRevision = page.Revision;
        var paged = new List<KeyValue>(page.Items);
        while (page.More)
        {
            await Task.Delay(5);
            page = await Store.RangeAsync(new RangeRequest(KeyRange.After(paged[^1].Key), KeyRange.PrefixEnd(Prefix), snapshotRevision, 7));
            paged.AddRange(page.Items);
        }
        await stop.CancelAsync();
        await churn;

        var whole = await Store.RangeAsync(RangeRequest.Prefix(Prefix, snapshotRevision));
        Assert.Equal(whole.Items.Select(i => (i.Key, i.ModRevision, Text(i))), paged.Select(i => (i.Key, i.ModRevision, Text(i))));
        Assert.All(paged, i => Assert.True(i.ModRevision <= snapshotRevision));
        Assert.Equal(paged.Select(i => i.Key).Order(StringComparer.Ordinal), paged.Select(i => i.Key));
        Assert.True(await Store.GetRevisionAsync() > snapshotRevision, "the churn should have written during paging");
    }

    [Fact]
    public async Task Get_and_range_at_an_old_revision_see_the_state_of_that_revision()
    {
        var a = await MustCreateAsync(K("a"), "a1");
        var b = await MustCreateAsync(K("b"), "b1");
        var old = b.Revision;
        await Store.UpdateAsync(K("a"), Bytes("a2"), a.Revision);
        await Store.DeleteAsync(K("b"));
        await MustCreateAsync(K("c"), "c1");

        Assert.Equal("a1", Text((await Store.GetAsync(K("a"), old)).Item!));
        Assert.Equal("b1", Text((await Store.GetAsync(K("b"), old)).Item!));
        Assert.Null((await Store.GetAsync(K("c"), old)).Item);
        Assert.Null((await Store.GetAsync(K("a"), a.Revision - 1)).Item);

        var then = await Store.RangeAsync(RangeRequest.Prefix(Prefix, old));
        Assert.Equal(new[] { ("a", "a1"), ("b", "b1") }, then.Items.Select(i => (i.Key[Prefix.Length..], Text(i))));
        var now = await Store.RangeAsync(RangeRequest.Prefix(Prefix));
        Assert.Equal(new[] { ("a", "a2"), ("c", "c1") }, now.Items.Select(i => (i.Key[Prefix.Length..], Text(i))));
    }

    [Fact]
    public async Task Reads_at_a_future_revision_are_refused()
    {
        var written = await MustCreateAsync(K("a"), "1");
        var future = await Store.GetRevisionAsync() + 1000;
        await Assert.ThrowsAsync<FutureRevisionException>(async () => await Store.GetAsync(K("a"), future));
        Assert.NotNull((await Store.GetAsync(K("a"), written.Revision)).Item);
    }

    [Fact]
    public async Task Count_counts_the_live_keys_under_a_prefix()
    {
        for (var i = 0; i < 5; i++)
        {
            await MustCreateAsync(K($"pods/p{i}"), "x");
        }
        await MustCreateAsync(K("podsX"), "not under pods/");
        await MustCreateAsync(K("services/s"), "x");
        await Store.DeleteAsync(K("pods/p0"));
        Assert.Equal(4, await Store.CountAsync(K("pods/")));
        Assert.Equal(6, await Store.CountAsync(Prefix));
        Assert.Equal(0, await Store.CountAsync(K("none/")));
    }
}
