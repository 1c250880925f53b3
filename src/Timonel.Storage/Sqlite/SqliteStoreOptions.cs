using Microsoft.Extensions.Logging;

namespace Timonel.Storage.Sqlite;

/// <summary>Validated settings of the embedded SQLite store.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>The database file; its folder is created when missing.</summary>
    public required string Path { get; init; }

    /// <summary>How often old revisions are compacted away.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>History younger than this is kept for watches that resume.</summary>
    public TimeSpan RetainDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>At least this many recent revisions are kept, whatever their age.</summary>
    public long RetainRevisions { get; init; } = 1000;

    /// <summary>How often an idle watch with progress notification hears the current revision.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Events a watcher may have undelivered before it is cut off as lagging.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>The clock for compaction ages and progress notifications.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the store logs; nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings the store cannot run with.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Path);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CompactionInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetainDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(RetainRevisions);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProgressInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(WatchBufferSize, 1);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
