namespace Timonel.Storage.Sqlite;

/// <summary>The embedded store: an append-only revision log in one SQLite file (see docs/storage.md).</summary>
public sealed class SqliteStore : IKeyValueStore
{
    private SqliteStore() { }

    /// <summary>Opens (or creates) the store; a corrupt or foreign file gives a <see cref="StoreOpenException"/>.</summary>
    public static Task<SqliteStore> OpenAsync(SqliteStoreOptions options, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("the SQLite backend is being written");

    /// <inheritdoc />
    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<GetResult> GetAsync(string key, long revision = 0, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask<long> GetCompactedRevisionAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();
    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
