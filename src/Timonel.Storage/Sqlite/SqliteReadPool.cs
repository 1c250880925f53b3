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

    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private volatile bool _disposed;

    /// <summary>Runs <paramref name="read"/> in a read transaction; SQLite failures become <see cref="StorageUnavailableException"/>.</summary>
    public T Read<T>(Func<ReadSnapshot, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = Rent();
        var healthy = false;
        try
        {
            connection.Begin();
            var result = read(new ReadSnapshot(connection));
            connection.Commit();
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
                // Also what ends a transaction left open by a failed read: closing rolls it back.
                connection.Dispose();
            }
        }
    }

    private ReadConnection Rent()
    {
        if (_idle.TryTake(out var connection))
        {
            return connection;
        }
        try
        {
            return ReadConnection.Open(path);
        }
        catch (SqliteException e)
        {
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
internal readonly struct ReadSnapshot(ReadConnection connection)
{
    /// <summary>The snapshot's revision and compact revision; a store never written is at revision 1.</summary>
    public (long Revision, long Compacted) Header()
    {
        using var reader = Command(
            "SELECT (SELECT COALESCE(MAX(rev), 1) FROM log), (SELECT value FROM meta WHERE name = 'compact_rev')").ExecuteReader();
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

    /// <summary>The connection's prepared statement for <paramref name="sql"/>: not to be disposed; dispose its reader.</summary>
    public SqliteCommand Command(string sql, params (string Name, object Value)[] parameters) =>
        connection.Statement(sql, parameters);

    public static KeyValue ReadKeyValue(SqliteDataReader reader, int first) => new(
        reader.GetString(first),
        reader.IsDBNull(first + 3) ? Array.Empty<byte>() : (byte[])reader[first + 3],
        reader.GetInt64(first + 2),
        reader.GetInt64(first + 1));
}
