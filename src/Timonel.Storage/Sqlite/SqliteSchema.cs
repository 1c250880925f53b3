using Microsoft.Data.Sqlite;

namespace Timonel.Storage.Sqlite;

/// <summary>
/// The on-disk layout of the embedded store and the checks that decide whether a file is ours.
/// </summary>
/// <remarks>
/// Layout (schema version 2):
/// - <c>log</c>: one row per change; <c>rev</c> is the revision and the row id. <c>prev_rev</c> is
///   the mod revision of the version this change replaced (0 for a create), so a watch replay can
///   attach the previous value. Deletes are rows with <c>deleted = 1</c> (tombstones). The only
///   copy of every value.
/// - <c>current</c>: the live revision of every key, kept in the same transaction as the log;
///   reads at the newest revision find the value through it by row id, never scanning history.
///   (Version 1 kept a second copy of the value here: every write then dirtied a page of scattered
///   1 KiB rows as well, twice the WAL bytes per create. A version-1 file is migrated on open.)
/// - <c>meta</c>: <c>schema_version</c> and <c>compact_rev</c> (history below it is gone).
/// The file header carries <see cref="ApplicationId"/>, so another program's SQLite file is refused
/// before anything is written to it.
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>"TMNL": the SQLite application_id of a Timonel store.</summary>
    public const int ApplicationId = 0x544D4E4C;

    public const long SchemaVersion = 2;

    private static readonly byte[] HeaderMagic = "SQLite format 3\0"u8.ToArray();

    private const string CurrentColumns = "key TEXT NOT NULL COLLATE BINARY PRIMARY KEY, rev INTEGER NOT NULL, create_rev INTEGER NOT NULL";

    private const string CreateTables = $"""
        CREATE TABLE log (
            rev INTEGER PRIMARY KEY,
            key TEXT NOT NULL COLLATE BINARY,
            create_rev INTEGER NOT NULL,
            prev_rev INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            value BLOB);
        CREATE INDEX log_key_rev ON log(key, rev);
        CREATE TABLE current ({CurrentColumns}) WITHOUT ROWID;
        CREATE TABLE meta (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta(name, value) VALUES ('schema_version', 2), ('compact_rev', 0);
        """;

    // Version 1 -> 2: the same live keys and revisions, without the value copies (the log row of
    // each live revision holds the value).
    private const string MigrateFrom1 = $"""
        CREATE TABLE current_v2 ({CurrentColumns}) WITHOUT ROWID;
        INSERT INTO current_v2(key, rev, create_rev) SELECT key, rev, create_rev FROM current ORDER BY key;
        DROP TABLE current;
        ALTER TABLE current_v2 RENAME TO current;
        UPDATE meta SET value = 2 WHERE name = 'schema_version';
        """;

    private static readonly string[] OurTables = ["current", "log", "meta"];

    /// <summary>A connection string for one private, unpooled connection to the store file.</summary>
    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Cache = SqliteCacheMode.Private,
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>
    /// Refuses, without writing to it, a file that is not a SQLite database, is cut short, or belongs
    /// to another application. Only the header and the schema are read: no integrity scan, so opening
    /// stays fast whatever the history size.
    /// </summary>
    public static void CheckFileHeader(string path)
    {
        const int WalHeaderBytes = 32;
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            return;
        }
        var header = new byte[100];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        if (read < header.Length || !header.AsSpan(0, HeaderMagic.Length).SequenceEqual(HeaderMagic))
        {
            throw new StoreOpenException($"store file '{path}' is not a SQLite database");
        }
        var pageSize = (header[16] << 8) | header[17];
        long pageSizeBytes = pageSize == 1 ? 65536 : pageSize;
        var changeCounter = ReadBigEndian(header, 24);
        var pageCount = ReadBigEndian(header, 28);
        var validFor = ReadBigEndian(header, 92);
        // SQLite trusts the header's page count when it was written with the current change counter;
        // a file shorter than that lost its tail (truncation) and would fail on some later read. Not
        // so while the WAL holds frames: a checkpoint writes page 1 (with the new count) before it
        // extends the file, and one cut short by a crash is redone from the WAL on open.
        var walHasFrames = new FileInfo(path + "-wal") is { Exists: true, Length: > WalHeaderBytes };
        if (pageSizeBytes < 512 || (changeCounter == validFor && !walHasFrames && pageCount * pageSizeBytes > info.Length))
        {
            throw new StoreOpenException(
                $"store file '{path}' is corrupt: {info.Length} bytes where the header promises {pageCount * pageSizeBytes}");
        }
    }

    /// <summary>
    /// Checks an open database and creates the layout when it is new (no tables, no application id);
    /// throws <see cref="StoreOpenException"/> for a foreign or damaged store, before writing anything.
    /// </summary>
    public static void CheckOrCreate(SqliteConnection connection, string path)
    {
        long applicationId;
        var tables = new List<string>();
        try
        {
            applicationId = ScalarLong(connection, "PRAGMA application_id");
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }
        catch (SqliteException e)
        {
            throw new StoreOpenException($"store file '{path}' is not a readable SQLite database: {e.Message}", e);
        }

        if (applicationId == 0 && tables.Count == 0)
        {
            Create(connection);
            return;
        }
        if (applicationId != ApplicationId)
        {
            throw new StoreOpenException(
                $"store file '{path}' belongs to another application (application_id {applicationId:X8}, tables: {string.Join(", ", tables)})");
        }
        if (!OurTables.All(tables.Contains))
        {
            throw new StoreOpenException($"store file '{path}' is a damaged Timonel store: tables {string.Join(", ", tables)}");
        }
        long version;
        try
        {
            version = ScalarLong(connection, "SELECT value FROM meta WHERE name = 'schema_version'");
        }
        catch (SqliteException e)
        {
            throw new StoreOpenException($"store file '{path}' is corrupt: {e.Message}", e);
        }
        if (version == 1)
        {
            ExecuteAtomically(connection, MigrateFrom1);
            return;
        }
        if (version != SchemaVersion)
        {
            throw new StoreOpenException(
                $"store file '{path}' has schema version {version}; this build reads version {SchemaVersion}");
        }
    }

    /// <summary>Sets the durability pragmas; only called once the file is known to be ours.</summary>
    public static void ConfigureWriter(SqliteConnection connection)
    {
        var mode = ScalarString(connection, "PRAGMA journal_mode = WAL");
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageUnavailableException($"cannot switch the store to WAL mode (got '{mode}')");
        }
        Execute(connection, "PRAGMA synchronous = FULL");
        Execute(connection, WriterCache);
    }

    // The writer keeps the hot b-tree pages in its own cache (64 MiB) instead of reading them back
    // through pread on every commit, and checkpoints the WAL into the database every 16k pages
    // (64 MiB of WAL) rather than SQLite's 1k: pages written many times between checkpoints (the
    // right edge of the log, the key index) are copied once. Durability is unchanged: every
    // commit still fsyncs the WAL.
    private const string WriterCache = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384";

    /// <summary>Per-connection settings; WAL and synchronous=FULL are what make an ack durable.</summary>
    public static void ConfigureReader(SqliteConnection connection) =>
        Execute(connection, "PRAGMA synchronous = FULL; PRAGMA query_only = 1");

    private static void Create(SqliteConnection connection) =>
        ExecuteAtomically(connection, $"PRAGMA application_id = {ApplicationId};" + CreateTables);

    /// <summary>Runs the statements in one transaction of a writer-configured connection: all or nothing.</summary>
    private static void ExecuteAtomically(SqliteConnection connection, string statements)
    {
        ConfigureWriter(connection);
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = statements;
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    public static long ScalarLong(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar() is long value ? value : 0;
    }

    private static string? ScalarString(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long ReadBigEndian(byte[] buffer, int offset) =>
        (uint)((buffer[offset] << 24) | (buffer[offset + 1] << 16) | (buffer[offset + 2] << 8) | buffer[offset + 3]);
}
