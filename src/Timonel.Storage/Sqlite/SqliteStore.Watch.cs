using System.Runtime.CompilerServices;

namespace Timonel.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private const int ReplayPageSize = 1000;

    /// <inheritdoc />
    /// <remarks>
    /// The watcher is registered first (capturing the published revision P under the publish lock),
    /// then history start..P is replayed from the log page by page, then live events above P come
    /// from the watcher's buffer. Replay and live delivery never overlap, so nothing is seen twice.
    /// </remarks>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request.Prefix);
        var watcher = new Watcher(request.Prefix, _options.WatchBufferSize, request.ProgressNotify);
        var published = _hub.Register(watcher, request.StartRevision);
        try
        {
            var from = request.StartRevision;
            while (from > 0 && from <= published)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = _reads.Read(snapshot => ReplayPage(snapshot, request.Prefix, from, published));
                foreach (var e in page)
                {
                    yield return e;
                }
                from = page.Count < ReplayPageSize ? published + 1 : page[^1].Revision + 1;
            }

            var idleTimeout = request.ProgressNotify ? _options.ProgressInterval : Timeout.InfiniteTimeSpan;
            while (true)
            {
                var next = await watcher.NextAsync(idleTimeout, _options.TimeProvider, cancellationToken);
                if (next is not null)
                {
                    yield return next;
                }
                else if (_hub.ProgressRevision(watcher) is long revision)
                {
                    yield return WatchEvent.Progress(revision);
                }
            }
        }
        finally
        {
            _hub.Unregister(watcher);
            watcher.Dispose();
            if (watcher.Lagged)
            {
                SqliteLog.WatcherLagged(_logger, request.Prefix);
            }
        }
    }

    /// <summary>Up to one page of the log's changes under the prefix in [from, to], with previous values.</summary>
    private static List<WatchEvent> ReplayPage(ReadSnapshot snapshot, string prefix, long from, long to)
    {
        var (_, compacted) = snapshot.Header();
        if (from < compacted)
        {
            throw new CompactedException(from, compacted);
        }
        var command = snapshot.Command(
            "SELECT l.key, l.rev, l.create_rev, l.value, l.deleted, p.key, p.rev, p.create_rev, p.value " +
            "FROM log l LEFT JOIN log p ON p.rev = l.prev_rev " +
            "WHERE l.rev >= $from AND l.rev <= $to AND l.key >= $start AND l.key < $end ORDER BY l.rev LIMIT $limit",
            ("$from", from), ("$to", to), ("$start", prefix), ("$end", KeyRange.PrefixEnd(prefix)), ("$limit", ReplayPageSize));
        using var reader = command.ExecuteReader();
        var events = new List<WatchEvent>();
        while (reader.Read())
        {
            var previous = reader.IsDBNull(5) ? null : ReadSnapshot.ReadKeyValue(reader, 5);
            var revision = reader.GetInt64(1);
            events.Add(reader.GetInt64(4) != 0
                ? new WatchEvent(WatchEventType.Delete, revision, new KeyValue(reader.GetString(0), Array.Empty<byte>(), 0, revision), previous)
                : new WatchEvent(WatchEventType.Put, revision, ReadSnapshot.ReadKeyValue(reader, 0), previous));
        }
        return events;
    }
}
