namespace Timonel.Storage.Sqlite;

/// <summary>
/// Fans committed events out to watchers. The publish lock orders three things: the writer's
/// publish of a batch, a watcher's registration (which captures the published revision P, so the
/// watcher replays history up to P and takes live events above P: no gap, no duplicate), and the
/// "caught up" check behind progress notifications.
/// </summary>
internal sealed class WatchHub(long initialRevision)
{
    private readonly Lock _publishLock = new();
    private Watcher[] _watchers = [];
    private long _published = initialRevision;
    private bool _closed;

    /// <summary>The newest revision whose events every watcher has been offered.</summary>
    public long PublishedRevision => Volatile.Read(ref _published);

    /// <summary>Called by the writer after a commit, in revision order.</summary>
    public void Publish(IReadOnlyList<WatchEvent> events, long revision)
    {
        lock (_publishLock)
        {
            if (events.Count > 0)
            {
                foreach (var watcher in _watchers)
                {
                    watcher.Offer(events);
                }
            }
            Volatile.Write(ref _published, revision);
        }
    }

    /// <summary>
    /// Registers a watcher and returns P, the revision up to which it must replay from the log.
    /// Live events are delivered from max(startRevision, P + 1).
    /// </summary>
    public long Register(Watcher watcher, long startRevision)
    {
        lock (_publishLock)
        {
            if (_closed)
            {
                throw new StorageUnavailableException("the store is closed");
            }
            var published = _published;
            watcher.MinRevision = Math.Max(startRevision, published + 1);
            _watchers = [.. _watchers, watcher];
            return published;
        }
    }

    public void Unregister(Watcher watcher)
    {
        lock (_publishLock)
        {
            _watchers = Array.FindAll(_watchers, w => !ReferenceEquals(w, watcher));
        }
    }

    /// <summary>
    /// The revision a progress notification may report, or null when events are still queued for the
    /// watcher. Under the publish lock an empty queue means every event up to P was delivered.
    /// </summary>
    public long? ProgressRevision(Watcher watcher)
    {
        lock (_publishLock)
        {
            return watcher.IsDrained ? _published : null;
        }
    }

    /// <summary>Asks every watcher that reports progress to do so as soon as its queue is drained.</summary>
    public void RequestProgress()
    {
        foreach (var watcher in Volatile.Read(ref _watchers))
        {
            if (watcher.ProgressNotify)
            {
                watcher.RequestProgress();
            }
        }
    }

    /// <summary>Ends every watch (store closing).</summary>
    public void Close()
    {
        lock (_publishLock)
        {
            _closed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Terminate(new StorageUnavailableException("the store was closed"));
            }
            _watchers = [];
        }
    }
}
