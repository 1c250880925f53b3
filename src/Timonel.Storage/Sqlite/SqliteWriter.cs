using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// The single owner of the write connection. Callers enqueue ops; one loop drains everything
/// pending (up to <see cref="MaxBatch"/>), applies it in order in one transaction, commits once
/// (one fsync for the whole batch), publishes the events, and only then completes the callers.
/// </summary>
/// <remarks>
/// States: connected, or disconnected after a failed commit (the next batch reconnects and re-reads
/// the revision from the file). A failed batch completes every op with
/// <see cref="StorageUnavailableException"/>; no op of it is ever reported as done.
/// The loop runs on its own thread because SQLite calls (and fsync) block.
/// </remarks>
internal sealed class SqliteWriter : IDisposable
{
    private const int MaxBatch = 512;

    private readonly string _path;
    private readonly WatchHub _hub;
    private readonly ILogger _logger;
    private readonly Channel<WriteOp> _queue = Channel.CreateUnbounded<WriteOp>(new() { SingleReader = true });
    private readonly Thread _thread;
    private SqliteConnection? _connection;
    private WriterStatements? _statements;
    private long _revision;

    /// <summary>Takes ownership of an open, checked and configured connection.</summary>
    public SqliteWriter(string path, SqliteConnection connection, WatchHub hub, ILogger logger)
    {
        _path = path;
        _hub = hub;
        _logger = logger;
        Attach(connection);
        _thread = new Thread(Run) { IsBackground = true, Name = "timonel-sqlite-writer" };
        _thread.Start();
    }

    /// <summary>The newest committed revision, as read from the file at (re)connect.</summary>
    public long InitialRevision { get; private set; }

    public void Enqueue(WriteOp op)
    {
        if (!_queue.Writer.TryWrite(op))
        {
            throw new StorageUnavailableException($"the store '{_path}' is closed");
        }
    }

    private void Run()
    {
        var ops = new List<WriteOp>(MaxBatch);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            ops.Clear();
            while (ops.Count < MaxBatch && _queue.Reader.TryRead(out var op))
            {
                if (op.Abandoned)
                {
                    op.Cancel();
                    continue;
                }
                ops.Add(op);
            }
            if (ops.Count > 0)
            {
                CommitBatch(ops);
            }
        }
    }

    private void CommitBatch(List<WriteOp> ops)
    {
        WriteBatch batch;
        try
        {
            EnsureConnected();
            using var transaction = _connection!.BeginTransaction(deferred: false);
            batch = new WriteBatch(_statements!, transaction, _revision);
            foreach (var op in ops)
            {
                op.Apply(batch);
            }
            transaction.Commit();
        }
        catch (Exception e) when (e is SqliteException or IOException or InvalidOperationException)
        {
            SqliteLog.CommitFailed(_logger, e, _path, ops.Count);
            Disconnect();
            var reason = new StorageUnavailableException($"the store '{_path}' could not commit: {e.Message}", e);
            foreach (var op in ops)
            {
                op.Fail(reason);
            }
            return;
        }
        _revision = batch.Revision;
        _hub.Publish(batch.Events, _revision);
        foreach (var op in ops)
        {
            op.Complete();
        }
    }

    private void EnsureConnected()
    {
        if (_connection is not null)
        {
            return;
        }
        var connection = new SqliteConnection(SqliteSchema.ConnectionString(_path));
        try
        {
            connection.Open();
            SqliteSchema.ConfigureWriter(connection);
            Attach(connection);
            SqliteLog.WriterReconnected(_logger, _path, _revision);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Attach(SqliteConnection connection)
    {
        var revision = SqliteSchema.ScalarLong(connection, "SELECT COALESCE(MAX(rev), 1) FROM log");
        // The revision never goes backwards, even if the file seems to say otherwise.
        _revision = Math.Max(_revision, revision);
        InitialRevision = _revision;
        _statements = new WriterStatements(connection);
        _connection = connection;
    }

    private void Disconnect()
    {
        _statements?.Dispose();
        _statements = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>Finishes every queued op, then closes the connection.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join();
        Disconnect();
    }
}
