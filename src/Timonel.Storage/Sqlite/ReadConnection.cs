using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// One pooled read connection and the statements prepared on it. Each SQL text is parsed once per
/// connection and then only re-bound: parsing and planning the four statements of a GET (begin,
/// header, the row, commit) took a fifth of the API server's CPU per GET.
/// </summary>
internal sealed class ReadConnection : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    private ReadConnection(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens a read-only connection to the store file.</summary>
    public static ReadConnection Open(string path)
    {
        var connection = new SqliteConnection(SqliteSchema.ConnectionString(path));
        try
        {
            connection.Open();
            SqliteSchema.ConfigureReader(connection);
            return new ReadConnection(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts a read transaction: its snapshot is taken at the first read and held until
    /// <see cref="Commit"/>. Issued as SQL so that the prepared statements run inside it.
    /// </summary>
    public void Begin() => Statement("BEGIN DEFERRED").ExecuteNonQuery();

    public void Commit() => Statement("COMMIT").ExecuteNonQuery();

    /// <summary>
    /// The prepared statement for <paramref name="sql"/> with its parameters bound; owned by the
    /// connection (never disposed by the caller, whose reader must be disposed before the next use).
    /// </summary>
    public SqliteCommand Statement(string sql, params (string Name, object Value)[] parameters)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            _prepared[sql] = command;
        }
        foreach (var (name, value) in parameters)
        {
            command.Parameters[name].Value = value;
        }
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }
        _connection.Dispose();
    }
}
