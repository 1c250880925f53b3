using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// The statements of one group-commit transaction. Every op of the batch reads and writes through
/// it, so later ops see earlier ones; <see cref="Revision"/> advances by one per change and is
/// only adopted by the writer once the transaction committed.
/// </summary>
internal sealed class WriteBatch
{
    private readonly WriterStatements _statements;
    private readonly List<WatchEvent> _events = [];

    public WriteBatch(WriterStatements statements, SqliteTransaction transaction, long revision)
    {
        _statements = statements;
        _statements.Enlist(transaction);
        Revision = revision;
    }

    /// <summary>The store's revision including the changes applied so far.</summary>
    public long Revision { get; private set; }

    /// <summary>The events of the changes applied so far, in revision order.</summary>
    public IReadOnlyList<WatchEvent> Events => _events;

    public KeyValue? ReadCurrent(string key)
    {
        var command = _statements.SelectCurrent;
        command.Parameters[0].Value = key;
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        return new KeyValue(key, reader.IsDBNull(2) ? Array.Empty<byte>() : (byte[])reader[2], reader.GetInt64(1), reader.GetInt64(0));
    }

    /// <summary>Writes a new version of the key; returns its revision.</summary>
    public long Put(string key, byte[] value, KeyValue? previous)
    {
        var revision = Revision + 1;
        var createRevision = previous?.CreateRevision ?? revision;
        AppendLog(revision, key, createRevision, previous?.ModRevision ?? 0, deleted: false, value);
        var upsert = _statements.UpsertCurrent;
        upsert.Parameters[0].Value = key;
        upsert.Parameters[1].Value = revision;
        upsert.Parameters[2].Value = createRevision;
        upsert.ExecuteNonQuery();
        Revision = revision;
        _events.Add(new WatchEvent(WatchEventType.Put, revision, new KeyValue(key, value, createRevision, revision), previous));
        return revision;
    }

    /// <summary>Writes a tombstone for the key; returns its revision.</summary>
    public long Delete(KeyValue previous)
    {
        var revision = Revision + 1;
        AppendLog(revision, previous.Key, previous.CreateRevision, previous.ModRevision, deleted: true, []);
        var delete = _statements.DeleteCurrent;
        delete.Parameters[0].Value = previous.Key;
        delete.ExecuteNonQuery();
        Revision = revision;
        _events.Add(new WatchEvent(WatchEventType.Delete, revision, new KeyValue(previous.Key, Array.Empty<byte>(), 0, revision), previous));
        return revision;
    }

    /// <summary>
    /// Removes, among the log rows in [from, to), the tombstones and the versions those rows replaced.
    /// With to &lt;= the compact revision R, what remains answers every read at R or later and keeps
    /// the previous value of every event at R or later (see docs/storage.md).
    /// </summary>
    public long CompactChunk(long compactRevision, long from, long to, bool recordRevision)
    {
        if (recordRevision)
        {
            var record = _statements.RecordCompactRevision;
            record.Parameters[0].Value = compactRevision;
            record.ExecuteNonQuery();
        }
        var compact = _statements.CompactRange;
        compact.Parameters[0].Value = from;
        compact.Parameters[1].Value = to;
        return compact.ExecuteNonQuery();
    }

    private void AppendLog(long revision, string key, long createRevision, long previousRevision, bool deleted, byte[] value)
    {
        var insert = _statements.InsertLog;
        insert.Parameters[0].Value = revision;
        insert.Parameters[1].Value = key;
        insert.Parameters[2].Value = createRevision;
        insert.Parameters[3].Value = previousRevision;
        insert.Parameters[4].Value = deleted ? 1 : 0;
        insert.Parameters[5].Value = value;
        insert.ExecuteNonQuery();
    }
}

/// <summary>The writer connection's prepared statements, reused by every batch.</summary>
internal sealed class WriterStatements : IDisposable
{
    private readonly SqliteCommand[] _all;

    public WriterStatements(SqliteConnection connection)
    {
        SelectCurrent = Prepare(connection, "SELECT c.rev, c.create_rev, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = $key", "$key");
        InsertLog = Prepare(connection,
            "INSERT INTO log(rev, key, create_rev, prev_rev, deleted, value) VALUES ($rev, $key, $create, $prev, $deleted, $value)",
            "$rev", "$key", "$create", "$prev", "$deleted", "$value");
        UpsertCurrent = Prepare(connection,
            "INSERT INTO current(key, rev, create_rev) VALUES ($key, $rev, $create) " +
            "ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, create_rev = excluded.create_rev",
            "$key", "$rev", "$create");
        DeleteCurrent = Prepare(connection, "DELETE FROM current WHERE key = $key", "$key");
        RecordCompactRevision = Prepare(connection, "UPDATE meta SET value = $rev WHERE name = 'compact_rev'", "$rev");
        // Replaced versions first (found through the prev_rev of the rows in range), then tombstones.
        CompactRange = Prepare(connection,
            "DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev >= $from AND rev < $to AND prev_rev > 0); " +
            "DELETE FROM log WHERE rev >= $from AND rev < $to AND deleted = 1",
            "$from", "$to");
        _all = [SelectCurrent, InsertLog, UpsertCurrent, DeleteCurrent, RecordCompactRevision, CompactRange];
    }

    public SqliteCommand SelectCurrent { get; }
    public SqliteCommand InsertLog { get; }
    public SqliteCommand UpsertCurrent { get; }
    public SqliteCommand DeleteCurrent { get; }
    public SqliteCommand RecordCompactRevision { get; }
    public SqliteCommand CompactRange { get; }

    public void Enlist(SqliteTransaction transaction)
    {
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        return command;
    }
}
