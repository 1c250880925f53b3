namespace Timonel.Storage;

/// <summary>
/// A range read over [Start, End). <see cref="Revision"/> 0 reads the newest state; <see cref="Limit"/>
/// 0 means no limit. A continuation reads again from the last key returned plus "\0", at the revision
/// of the first page, so every page sees one snapshot.
/// </summary>
public readonly record struct RangeRequest(string Start, string End, long Revision = 0, int Limit = 0)
{
    /// <summary>Every key that starts with <paramref name="prefix"/>.</summary>
    public static RangeRequest Prefix(string prefix, long revision = 0, int limit = 0) =>
        new(prefix, KeyRange.PrefixEnd(prefix), revision, limit);
}

/// <summary>A watch on every key under <see cref="Prefix"/>.</summary>
/// <param name="Prefix">The key prefix; an empty prefix watches everything.</param>
/// <param name="StartRevision">The first revision to deliver; 0 for "after now".</param>
/// <param name="ProgressNotify">Emit <see cref="WatchEventType.Progress"/> events while idle.</param>
public readonly record struct WatchRequest(string Prefix, long StartRevision = 0, bool ProgressNotify = false);

/// <summary>Helpers for ordinal key ranges.</summary>
public static class KeyRange
{
    /// <summary>The smallest key greater than every key with this prefix (etcd's prefix end).</summary>
    public static string PrefixEnd(string prefix)
    {
        if (prefix.Length == 0)
        {
            return "\uffff";
        }
        var chars = prefix.ToCharArray();
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            if (chars[i] < char.MaxValue)
            {
                chars[i]++;
                return new string(chars, 0, i + 1);
            }
        }
        return "\uffff";
    }

    /// <summary>The key to continue a range after <paramref name="lastKey"/>.</summary>
    public static string After(string lastKey) => lastKey + "\0";
}
