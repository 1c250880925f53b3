namespace Timonel.Storage;

/// <summary>Base of the failures a store reports by exception.</summary>
public class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A read or watch asked for a revision that compaction has discarded.</summary>
public sealed class CompactedException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public CompactedException(long requestedRevision, long compactedRevision)
        : base($"required revision {requestedRevision} has been compacted (compacted revision {compactedRevision})")
    {
        RequestedRevision = requestedRevision;
        CompactedRevision = compactedRevision;
    }

    /// <summary>The revision asked for.</summary>
    public long RequestedRevision { get; }

    /// <summary>The store's compacted revision.</summary>
    public long CompactedRevision { get; }
}

/// <summary>A read asked for a revision the store has not reached yet.</summary>
public sealed class FutureRevisionException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public FutureRevisionException(long requestedRevision, long currentRevision)
        : base($"required revision {requestedRevision} is a future revision (current revision {currentRevision})") { }
}

/// <summary>A watcher fell too far behind and was cut off; it should watch again from its last revision.</summary>
public sealed class WatchLaggedException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public WatchLaggedException(long lastDeliveredRevision)
        : base($"watcher fell behind after revision {lastDeliveredRevision}") =>
        LastDeliveredRevision = lastDeliveredRevision;

    /// <summary>The last revision delivered before the cut.</summary>
    public long LastDeliveredRevision { get; }
}

/// <summary>The store cannot read or write (disk full, I/O error, lost connection); nothing was acknowledged.</summary>
public sealed class StorageUnavailableException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The store's file or endpoint is not one Timonel can use (corrupt, foreign, unreachable).</summary>
public sealed class StoreOpenException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public StoreOpenException(string message, Exception? inner = null) : base(message, inner) { }
}
