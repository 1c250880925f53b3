using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// Read connections beside the writer (WAL lets them read while it commits). Every read runs in one
/// read transaction, so its items, its header revision and the compact revision it checks come
/// from one snapshot.
/// </summary>
internal sealed class SqliteReadPool(string path) : IDisposable
{
    private const int MaxIdle = 8;

    private readonly ConcurrentBag<SqliteConnection> _idle = [];
    private volatile bool _disposed;

    /// <summary>Runs <paramref name="read"/> in a read transaction; SQLite failures become <see cref="StorageUnavailableException"/>.</summary>
    public T Read<T>(Func<ReadSnapshot, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = Rent();
        var healthy = false;
        try
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            var result = read(new ReadSnapshot(connection, transaction));
            transaction.Commit();
            healthy = true;
            return result;
        }
        catch (SqliteException e)
        {
            throw new StorageUnavailableException($"the store '{path}' could not be read: {e.Message}", e);
        }
        finally
        {
            if (healthy && !_disposed && _idle.Count < MaxIdle)
            {
                _idle.Add(connection);
            }
            else
            {
                connection.Dispose();
            }
        }
    }

    private SqliteConnection Rent()
    {
        if (_idle.TryTake(out var connection))
        {
            return connection;
        }
        connection = new SqliteConnection(SqliteSchema.ConnectionString(path));
        try
        {
            connection.Open();
            SqliteSchema.ConfigureReader(connection);
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StorageUnavailableException($"the store '{path}' could not be opened for reading: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}

/// <summary>One read transaction: the queries a read may run against a single snapshot.</summary>
internal readonly struct ReadSnapshot(SqliteConnection connection, SqliteTransaction transaction)
{
    /// <summary>The snapshot's revision and compact revision; a store never written is at revision 1.</summary>
    public (long Revision, long Compacted) Header()
    {
        using var command = Command(
            "SELECT (SELECT COALESCE(MAX(rev), 1) FROM log), (SELECT value FROM meta WHERE name = 'compact_rev')");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Checks a requested revision against the snapshot; returns the revision to read at.</summary>
    public long Resolve(long requested, out long headerRevision)
    {
        var (revision, compacted) = Header();
        headerRevision = revision;
        if (requested <= 0)
        {
            return revision;
        }
        if (requested < compacted)
        {
            throw new CompactedException(requested, compacted);
        }
        if (requested > revision)
        {
            throw new FutureRevisionException(requested, revision);
        }
        return requested;
    }

    public SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    public static KeyValue ReadKeyValue(SqliteDataReader reader, int first) => new(
        reader.GetString(first),
        reader.IsDBNull(first + 3) ? Array.Empty<byte>() : (byte[])reader[first + 3],
        reader.GetInt64(first + 2),
        reader.GetInt64(first + 1));
}
