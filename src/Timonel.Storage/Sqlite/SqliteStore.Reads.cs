namespace Timonel.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public ValueTask<GetResult> GetAsync(string key, long revision = 0, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_reads.Read(snapshot =>
        {
            var at = snapshot.Resolve(revision, out var header);
            var command = revision <= 0
                ? snapshot.Command("SELECT c.key, c.rev, c.create_rev, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key = $key", ("$key", key))
                : snapshot.Command(
                    "SELECT key, rev, create_rev, value, deleted FROM log WHERE key = $key AND rev <= $at ORDER BY rev DESC LIMIT 1",
                    ("$key", key), ("$at", at));
            using var reader = command.ExecuteReader();
            var item = reader.Read() && (revision <= 0 || reader.GetInt64(4) == 0) ? ReadSnapshot.ReadKeyValue(reader, 0) : null;
            return new GetResult(item, header);
        }));
    }

    /// <inheritdoc />
    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfNegative(request.Limit);
        return ValueTask.FromResult(_reads.Read(snapshot =>
        {
            var at = snapshot.Resolve(request.Revision, out var header);
            // One row past the limit tells whether more keys follow.
            long fetch = request.Limit == 0 ? -1 : request.Limit + 1L;
            // A read at an older revision needs the log, unless nothing in the range changed since
            // that revision: then the current table is the same answer and far cheaper (the check
            // scans only the revisions written after it).
            var current = request.Revision <= 0 || !ChangedSince(snapshot, request.Start, request.End, at);
            var command = current
                ? snapshot.Command(
                    "SELECT c.key, c.rev, c.create_rev, l.value FROM current c JOIN log l ON l.rev = c.rev WHERE c.key >= $start AND c.key < $end ORDER BY c.key LIMIT $limit",
                    ("$start", request.Start), ("$end", request.End), ("$limit", fetch))
                // The newest version of each key at or below the revision (SQLite takes the bare
                // columns from the MAX row), unless that version is a tombstone.
                : snapshot.Command(
                    "SELECT key, mrev, create_rev, value FROM (" +
                    "SELECT key, MAX(rev) AS mrev, create_rev, value, deleted FROM log " +
                    "WHERE key >= $start AND key < $end AND rev <= $at GROUP BY key) " +
                    "WHERE deleted = 0 ORDER BY key LIMIT $limit",
                    ("$start", request.Start), ("$end", request.End), ("$at", at), ("$limit", fetch));
            using var reader = command.ExecuteReader();
            var items = new List<KeyValue>();
            var more = false;
            while (reader.Read())
            {
                if (request.Limit > 0 && items.Count == request.Limit)
                {
                    more = true;
                    break;
                }
                items.Add(ReadSnapshot.ReadKeyValue(reader, 0));
            }
            return new RangeResult(items, header, more);
        }));
    }

    private static bool ChangedSince(ReadSnapshot snapshot, string start, string end, long at)
    {
        var command = snapshot.Command(
            "SELECT EXISTS(SELECT 1 FROM log WHERE rev > $at AND key >= $start AND key < $end)",
            ("$at", at), ("$start", start), ("$end", end));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    /// <inheritdoc />
    public ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_reads.Read(snapshot =>
        {
            var command = snapshot.Command(
                "SELECT COUNT(*) FROM current WHERE key >= $start AND key < $end",
                ("$start", prefix), ("$end", KeyRange.PrefixEnd(prefix)));
            return (long)command.ExecuteScalar()!;
        }));
    }
}
