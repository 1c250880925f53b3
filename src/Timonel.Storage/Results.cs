namespace Timonel.Storage;

/// <summary>The outcome of a conditional write.</summary>
public enum WriteStatus
{
    /// <summary>The write happened at <see cref="WriteResult.Revision"/>.</summary>
    Ok,
    /// <summary>A create found the key present; <see cref="WriteResult.Current"/> holds it.</summary>
    AlreadyExists,
    /// <summary>The key's mod revision differed; <see cref="WriteResult.Current"/> holds the newer value.</summary>
    Conflict,
    /// <summary>An update or delete found no such key.</summary>
    NotFound,
}

/// <summary>
/// The result of a write. On <see cref="WriteStatus.Ok"/>, <see cref="Revision"/> is the write's own
/// revision and <see cref="Current"/> is the key as written (for deletes: the value deleted).
/// Otherwise <see cref="Revision"/> is the store's revision when the write was refused.
/// </summary>
public readonly record struct WriteResult(WriteStatus Status, long Revision, KeyValue? Current)
{
    /// <summary>True when the write happened.</summary>
    public bool Succeeded => Status == WriteStatus.Ok;
}

/// <summary>A single-key read: the key (or null) and the revision it was read at.</summary>
public readonly record struct GetResult(KeyValue? Item, long Revision);

/// <summary>A page of keys, the revision it was read at, and whether more keys follow.</summary>
public sealed record RangeResult(IReadOnlyList<KeyValue> Items, long Revision, bool More);
