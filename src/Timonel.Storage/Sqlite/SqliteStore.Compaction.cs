namespace Timonel.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>Log revisions one compaction chunk covers; small, so a chunk never holds the writer long.</summary>
    private const long CompactChunkRevisions = 2000;

    private readonly SemaphoreSlim _compactGate = new(1, 1);

    /// <inheritdoc />
    /// <remarks>
    /// Compacting to a revision at or below the compacted one does nothing. The compact revision is
    /// recorded with the first chunk, so a read below it fails from then on, before rows go.
    /// </remarks>
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        await _compactGate.WaitAsync(cancellationToken);
        try
        {
            var current = _hub.PublishedRevision;
            if (revision > current)
            {
                throw new FutureRevisionException(revision, current);
            }
            var previous = Volatile.Read(ref _compacted);
            if (revision <= previous)
            {
                return;
            }
            long removed = 0;
            var from = previous;
            do
            {
                var to = Math.Min(from + CompactChunkRevisions, revision);
                var chunk = new CompactChunkOp(revision, from, to, recordRevision: from == previous);
                _writer.Enqueue(chunk);
                removed += await chunk.Task;
                Volatile.Write(ref _compacted, revision);
                from = to;
            }
            while (from < revision);
            SqliteLog.Compacted(_logger, _path, revision, removed);
        }
        finally
        {
            _compactGate.Release();
        }
    }

    /// <summary>
    /// Every <see cref="SqliteStoreOptions.CompactionInterval"/>, compacts to the revision that was
    /// current <see cref="SqliteStoreOptions.RetainDuration"/> ago, keeping at least
    /// <see cref="SqliteStoreOptions.RetainRevisions"/> revisions.
    /// </summary>
    private async Task AutoCompactAsync(CancellationToken stopping)
    {
        var time = _options.TimeProvider;
        var samples = new Queue<(DateTimeOffset At, long Revision)>();
        samples.Enqueue((time.GetUtcNow(), _hub.PublishedRevision));
        using var timer = new PeriodicTimer(_options.CompactionInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                var now = time.GetUtcNow();
                samples.Enqueue((now, _hub.PublishedRevision));
                long target = 0;
                while (samples.Count > 0 && samples.Peek().At <= now - _options.RetainDuration)
                {
                    target = samples.Dequeue().Revision;
                }
                target = Math.Min(target, _hub.PublishedRevision - _options.RetainRevisions);
                if (target <= Volatile.Read(ref _compacted))
                {
                    continue;
                }
                try
                {
                    await CompactAsync(target, stopping);
                }
                catch (StorageException e)
                {
                    SqliteLog.CompactionFailed(_logger, e, _path);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
