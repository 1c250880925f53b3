using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Timonel.Storage.Sqlite;

/// <summary>The embedded store: an append-only revision log in one SQLite file (see docs/storage.md).</summary>
/// <remarks>
/// Writes go through one <see cref="SqliteWriter"/> (group commit); reads use pooled read connections;
/// watches are fed by the writer through the <see cref="WatchHub"/> and replay history from the log.
/// </remarks>
public sealed partial class SqliteStore : IKeyValueStore
{
    private readonly SqliteStoreOptions _options;
    private readonly string _path;
    private readonly ILogger _logger;
    private readonly SqliteWriter _writer;
    private readonly SqliteReadPool _reads;
    private readonly WatchHub _hub;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _autoCompaction;
    private long _compacted;
    private int _disposed;

    private SqliteStore(SqliteStoreOptions options, string path, SqliteConnection writeConnection, long compacted)
    {
        _options = options;
        _path = path;
        _logger = options.Logger ?? NullLogger.Instance;
        _compacted = compacted;
        _hub = new WatchHub(0);
        _writer = new SqliteWriter(path, writeConnection, _hub, _logger);
        _hub.Publish([], _writer.InitialRevision);
        _reads = new SqliteReadPool(path);
        _autoCompaction = Task.Run(() => AutoCompactAsync(_stopping.Token));
        SqliteLog.Opened(_logger, path, _writer.InitialRevision, compacted);
    }

    /// <summary>Opens (or creates) the store; a corrupt or foreign file gives a <see cref="StoreOpenException"/>.</summary>
    public static Task<SqliteStore> OpenAsync(SqliteStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var path = Path.GetFullPath(options.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SqliteSchema.CheckFileHeader(path);
        var connection = new SqliteConnection(SqliteSchema.ConnectionString(path));
        try
        {
            try
            {
                connection.Open();
            }
            catch (SqliteException e)
            {
                throw new StoreOpenException($"store file '{path}' cannot be opened: {e.Message}", e);
            }
            SqliteSchema.CheckOrCreate(connection, path);
            SqliteSchema.ConfigureWriter(connection);
            var compacted = SqliteSchema.ScalarLong(connection, "SELECT value FROM meta WHERE name = 'compact_rev'");
            return Task.FromResult(new SqliteStore(options, path, connection, compacted));
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreOpenException($"store file '{path}' cannot be used: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool ReportsProgressOnRequest => true;

    /// <inheritdoc />
    public void RequestWatchProgress() => _hub.RequestProgress();

    /// <inheritdoc />
    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_hub.PublishedRevision);

    /// <inheritdoc />
    public ValueTask<long> GetCompactedRevisionAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Volatile.Read(ref _compacted));

    /// <inheritdoc />
    public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Submit(KeyWriteKind.Create, key, value.ToArray(), 0, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default) =>
        Submit(KeyWriteKind.Update, key, value.ToArray(), expectedModRevision, cancellationToken);

    /// <inheritdoc />
    public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default) =>
        Submit(KeyWriteKind.Delete, key, [], expectedModRevision, cancellationToken);

    // The caller waits for the outcome even when it cancels after enqueueing: once the writer has
    // taken an op, its result is decided by the commit, and reporting "cancelled" would hide it.
    private ValueTask<WriteResult> Submit(KeyWriteKind kind, string key, byte[] value, long expected, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var op = new KeyWriteOp(kind, key, value, expected, cancellationToken);
        _writer.Enqueue(op);
        return new ValueTask<WriteResult>(op.Task);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync();
        await _autoCompaction;
        _writer.Dispose();
        _hub.Close();
        _reads.Dispose();
        _stopping.Dispose();
    }
}
