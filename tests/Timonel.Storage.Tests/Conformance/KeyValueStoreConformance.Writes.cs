namespace Timonel.Storage.Tests.Conformance;

public abstract partial class KeyValueStoreConformance
{
    [Fact]
    public async Task Create_then_get_returns_the_value_with_its_revisions()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var got = await Store.GetAsync(K("a"));
        Assert.NotNull(got.Item);
        Assert.Equal("one", Text(got.Item));
        Assert.Equal(created.Revision, got.Item.CreateRevision);
        Assert.Equal(created.Revision, got.Item.ModRevision);
        Assert.True(got.Revision >= created.Revision);
        Assert.Equal(created.Revision, created.Current!.ModRevision);
    }

    [Fact]
    public async Task Every_write_gets_a_higher_revision_and_the_store_revision_follows()
    {
        var first = await MustCreateAsync(K("a"), "1");
        var second = await MustCreateAsync(K("b"), "2");
        var third = await Store.UpdateAsync(K("a"), Bytes("3"), first.Revision);
        Assert.True(second.Revision > first.Revision);
        Assert.True(third.Revision > second.Revision);
        Assert.True(await Store.GetRevisionAsync() >= third.Revision);
    }

    [Fact]
    public async Task Create_of_an_existing_key_reports_AlreadyExists_with_the_stored_value()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var again = await Store.CreateAsync(K("a"), Bytes("two"));
        Assert.Equal(WriteStatus.AlreadyExists, again.Status);
        Assert.Equal("one", Text(again.Current!));
        Assert.Equal(created.Revision, again.Current!.ModRevision);
        Assert.Equal("one", Text((await Store.GetAsync(K("a"))).Item!));
    }

    [Fact]
    public async Task Update_at_the_current_mod_revision_succeeds_and_keeps_the_create_revision()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var updated = await Store.UpdateAsync(K("a"), Bytes("two"), created.Revision);
        Assert.Equal(WriteStatus.Ok, updated.Status);
        Assert.True(updated.Revision > created.Revision);
        var got = (await Store.GetAsync(K("a"))).Item!;
        Assert.Equal("two", Text(got));
        Assert.Equal(created.Revision, got.CreateRevision);
        Assert.Equal(updated.Revision, got.ModRevision);
    }

    [Fact]
    public async Task Update_at_a_stale_mod_revision_reports_Conflict_with_the_newer_value()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var updated = await Store.UpdateAsync(K("a"), Bytes("two"), created.Revision);
        var stale = await Store.UpdateAsync(K("a"), Bytes("three"), created.Revision);
        Assert.Equal(WriteStatus.Conflict, stale.Status);
        Assert.Equal("two", Text(stale.Current!));
        Assert.Equal(updated.Revision, stale.Current!.ModRevision);
        Assert.Equal("two", Text((await Store.GetAsync(K("a"))).Item!));
    }

    [Fact]
    public async Task Update_and_delete_of_a_missing_key_report_NotFound()
    {
        Assert.Equal(WriteStatus.NotFound, (await Store.UpdateAsync(K("none"), Bytes("x"), 5)).Status);
        Assert.Equal(WriteStatus.NotFound, (await Store.DeleteAsync(K("none"))).Status);
        Assert.Null((await Store.GetAsync(K("none"))).Item);
    }

    [Fact]
    public async Task Delete_returns_the_deleted_value_and_the_key_is_gone()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var deleted = await Store.DeleteAsync(K("a"), created.Revision);
        Assert.Equal(WriteStatus.Ok, deleted.Status);
        Assert.True(deleted.Revision > created.Revision);
        Assert.Equal("one", Text(deleted.Current!));
        Assert.Equal(created.Revision, deleted.Current!.ModRevision);
        Assert.Null((await Store.GetAsync(K("a"))).Item);

        var recreated = await MustCreateAsync(K("a"), "again");
        Assert.True(recreated.Revision > deleted.Revision);
        Assert.Equal(recreated.Revision, (await Store.GetAsync(K("a"))).Item!.CreateRevision);
    }

    [Fact]
    public async Task Delete_at_a_stale_mod_revision_reports_Conflict_and_keeps_the_key()
    {
        var created = await MustCreateAsync(K("a"), "one");
        var updated = await Store.UpdateAsync(K("a"), Bytes("two"), created.Revision);
        var stale = await Store.DeleteAsync(K("a"), created.Revision);
        Assert.Equal(WriteStatus.Conflict, stale.Status);
        Assert.Equal(updated.Revision, stale.Current!.ModRevision);
        Assert.Equal("two", Text((await Store.GetAsync(K("a"))).Item!));
    }

    [Fact]
    public async Task Concurrent_updates_from_one_revision_have_exactly_one_winner()
    {
        var created = await MustCreateAsync(K("contended"), "start");
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            Task.Run(async () => await Store.UpdateAsync(K("contended"), Bytes($"writer-{i}"), created.Revision))));

        var winner = Assert.Single(results, r => r.Status == WriteStatus.Ok);
        var stored = (await Store.GetAsync(K("contended"))).Item!;
        Assert.Equal(winner.Revision, stored.ModRevision);
        Assert.Equal(Text(winner.Current!), Text(stored));
        foreach (var loser in results.Where(r => r.Status != WriteStatus.Ok))
        {
            Assert.Equal(WriteStatus.Conflict, loser.Status);
            Assert.Equal(winner.Revision, loser.Current!.ModRevision);
            Assert.Equal(Text(stored), Text(loser.Current!));
        }
    }

    [Fact]
    public async Task Many_concurrent_creates_get_distinct_revisions()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(async () => await Store.CreateAsync(K($"k{i:D3}"), Bytes($"v{i}")))));
        Assert.All(results, r => Assert.Equal(WriteStatus.Ok, r.Status));
        Assert.Equal(200, results.Select(r => r.Revision).Distinct().Count());
        Assert.Equal(200, await Store.CountAsync(Prefix));
    }

    [Fact]
    public async Task Values_round_trip_byte_for_byte()
    {
        var value = new byte[70_000];
        new Random(7).NextBytes(value);
        await Store.CreateAsync(K("binary"), value);
        await Store.CreateAsync(K("empty"), ReadOnlyMemory<byte>.Empty);
        Assert.Equal(value, (await Store.GetAsync(K("binary"))).Item!.Value.ToArray());
        Assert.Equal(0, (await Store.GetAsync(K("empty"))).Item!.Value.Length);
    }
}
