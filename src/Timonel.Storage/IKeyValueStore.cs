namespace Timonel.Storage;

/// <summary>
/// A revisioned key-value store in etcd's terms, the only thing the API server persists through.
/// </summary>
/// <remarks>
/// Invariants every backend keeps (the conformance suite checks them):
/// - One global revision that only grows. Every successful write gets the next revision; a store
///   that has never been written reports revision 1, as etcd does.
/// - A key's <see cref="KeyValue.CreateRevision"/> is the revision that created it and
///   <see cref="KeyValue.ModRevision"/> the one that last wrote it.
/// - Conditional writes are the outcome values of <see cref="WriteStatus"/>, never exceptions.
/// - Reads or watches at a revision below the compacted revision throw
///   <see cref="CompactedException"/>; a store that cannot write (disk full, I/O error) throws
///   <see cref="StorageUnavailableException"/> and never reports success for a write that did not
///   reach stable storage.
/// - Keys are compared as ordinal (byte-wise) strings.
/// </remarks>
public interface IKeyValueStore : IAsyncDisposable
{
    /// <summary>The newest revision the store has committed.</summary>
    ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>One key at the newest revision, or at <paramref name="revision"/> when it is above 0.</summary>
    ValueTask<GetResult> GetAsync(string key, long revision = 0, CancellationToken cancellationToken = default);

    /// <summary>Keys in [Start, End) in key order, at one consistent revision.</summary>
    ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default);

    /// <summary>The number of live keys under a prefix at the newest revision.</summary>
    ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Writes the key only if it does not exist.</summary>
    ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>Writes the key only if its mod revision is still <paramref name="expectedModRevision"/>.</summary>
    ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the key if its mod revision is <paramref name="expectedModRevision"/>, or whatever it is
    /// when that is 0. On success <see cref="WriteResult.Current"/> holds the value that was deleted.
    /// </summary>
    ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// Events for keys under a prefix, in revision order, without gaps or duplicates. A start revision
    /// above 0 replays every change at or after it first; 0 means "changes after now".
    /// The stream ends with <see cref="WatchLaggedException"/> when the consumer falls too far behind,
    /// and with <see cref="CompactedException"/> when the start revision was compacted.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(WatchRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Whether <see cref="RequestWatchProgress"/> is offered. A caller that needs a view as fresh as
    /// the current revision reads the store instead when it is not.
    /// </summary>
    bool ReportsProgressOnRequest { get; }

    /// <summary>
    /// Asks every watch opened with <see cref="WatchRequest.ProgressNotify"/> to report progress as
    /// soon as it has delivered every event up to the store's current revision, instead of waiting
    /// for its idle interval (etcd's progress request).
    /// </summary>
    void RequestWatchProgress();

    /// <summary>Discards history below <paramref name="revision"/>; later reads below it are compacted.</summary>
    ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default);

    /// <summary>The revision below which history is gone (0 or 1 when nothing was compacted).</summary>
    ValueTask<long> GetCompactedRevisionAsync(CancellationToken cancellationToken = default);
}
