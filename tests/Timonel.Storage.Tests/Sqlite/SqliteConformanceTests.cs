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
    public async Task A_store_never_written_is_at_revision_1_and_the_first_write_gets_2()
    {
        Assert.Equal(1, await Store.GetRevisionAsync());
        Assert.Equal(1, (await Store.RangeAsync(RangeRequest.Prefix(""))).Revision);
        Assert.Equal(2, (await Store.CreateAsync("/a", Bytes("x"))).Revision);
    }
}
