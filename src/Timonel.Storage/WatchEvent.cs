namespace Timonel.Storage;

/// <summary>What a watch event says.</summary>
public enum WatchEventType
{
    /// <summary>A key was created or updated; <see cref="WatchEvent.PrevKv"/> is null for a create.</summary>
    Put,
    /// <summary>A key was deleted; <see cref="WatchEvent.PrevKv"/> holds the deleted value.</summary>
    Delete,
    /// <summary>No event for this watch up to <see cref="WatchEvent.Revision"/> remains undelivered.</summary>
    Progress,
}

/// <summary>
/// One change. For <see cref="WatchEventType.Delete"/>, <see cref="Kv"/> carries the key with
/// <see cref="KeyValue.ModRevision"/> = the delete's revision and an empty value.
/// For <see cref="WatchEventType.Progress"/>, <see cref="Kv"/> is null.
/// </summary>
public sealed record WatchEvent(WatchEventType Type, long Revision, KeyValue? Kv, KeyValue? PrevKv)
{
    /// <summary>A progress notification at <paramref name="revision"/>.</summary>
    public static WatchEvent Progress(long revision) => new(WatchEventType.Progress, revision, null, null);
}
