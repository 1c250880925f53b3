namespace Timonel.Storage.Tests.Conformance;

public abstract partial class KeyValueStoreConformance
{
    [Fact]
    public async Task Reads_below_the_compacted_revision_fail_and_reads_at_or_above_it_work()
    {
        var a1 = await MustCreateAsync(K("a"), "a1");
        var a2 = await Store.UpdateAsync(K("a"), Bytes("a2"), a1.Revision);
        var b = await MustCreateAsync(K("b"), "b1");
        await Store.DeleteAsync(K("b"));
        var a3 = await Store.UpdateAsync(K("a"), Bytes("a3"), a2.Revision);

        await Store.CompactAsync(b.Revision);

        Assert.True(await Store.GetCompactedRevisionAsync() >= b.Revision);
        var error = await Assert.ThrowsAsync<CompactedException>(async () => await Store.GetAsync(K("a"), a1.Revision));
        Assert.Equal(a1.Revision, error.RequestedRevision);
        await Assert.ThrowsAsync<CompactedException>(async () => await Store.RangeAsync(RangeRequest.Prefix(Prefix, a2.Revision)));

        Assert.Equal("a2", Text((await Store.GetAsync(K("a"), b.Revision)).Item!));
        var atCompaction = await Store.RangeAsync(RangeRequest.Prefix(Prefix, b.Revision));
        Assert.Equal(new[] { "a2", "b1" }, atCompaction.Items.Select(Text));
        Assert.Equal("a3", Text((await Store.GetAsync(K("a"))).Item!));
        Assert.True(await Store.GetRevisionAsync() >= a3.Revision);
    }

    [Fact]
    public async Task A_watch_from_a_compacted_revision_fails_with_CompactedException()
    {
        var first = await MustCreateAsync(K("a"), "1");
        var second = await Store.UpdateAsync(K("a"), Bytes("2"), first.Revision);
        var third = await Store.UpdateAsync(K("a"), Bytes("3"), second.Revision);
        await Store.CompactAsync(third.Revision);

        using var cts = new CancellationTokenSource(Patience);
        await Assert.ThrowsAsync<CompactedException>(async () =>
        {
            await foreach (var _ in Store.WatchAsync(new WatchRequest(Prefix, first.Revision), cts.Token))
            {
                Assert.Fail("a compacted watch delivered an event");
            }
        });

        await using var watch = Store.WatchAsync(new WatchRequest(Prefix, third.Revision), cts.Token).GetAsyncEnumerator(cts.Token);
        var fromCompaction = await TakeAsync(watch, 1);
        Assert.Equal(third.Revision, fromCompaction[0].Revision);
        Assert.Equal("3", Text(fromCompaction[0].Kv!));
    }

    [Fact]
    public async Task Compaction_never_moves_the_revision_backwards()
    {
        var written = await MustCreateAsync(K("a"), "1");
        var deleted = await Store.DeleteAsync(K("a"));
        var before = await Store.GetRevisionAsync();
        await Store.CompactAsync(before);
        Assert.True(await Store.GetRevisionAsync() >= before);
        Assert.True(deleted.Revision > written.Revision);
        var next = await MustCreateAsync(K("b"), "2");
        Assert.True(next.Revision > before);
    }
}
