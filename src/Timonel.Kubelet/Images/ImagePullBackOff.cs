namespace Timonel.Kubelet.Images;

/// <summary>
/// Back-off between failed pulls of one image for one pod (key: pod uid + image as written), as the
/// kubelet keeps it: the first failure waits <see cref="Initial"/>, each further failure doubles the
/// wait up to <see cref="Max"/>. An entry untouched for twice <see cref="Max"/> starts over, and a
/// success sweeps such stale entries. Thread-safe: pod workers of different pods share it.
/// </summary>
public sealed class ImagePullBackOff(TimeProvider time)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(300);

    private readonly Dictionary<string, (TimeSpan Delay, DateTimeOffset LastFailure)> _entries = new(StringComparer.Ordinal);

    public static string KeyOf(string podUid, string image) => podUid + "_" + image;

    /// <summary>True while the wait after the key's last failure has not passed.</summary>
    public bool IsBackingOff(string key)
    {
        lock (_entries)
        {
            return _entries.TryGetValue(key, out var e) && time.GetUtcNow() - e.LastFailure < e.Delay;
        }
    }

    /// <summary>Records a failed pull; returns the wait before the next attempt.</summary>
    public TimeSpan RecordFailure(string key)
    {
        var now = time.GetUtcNow();
        lock (_entries)
        {
            var delay = _entries.TryGetValue(key, out var e) && !Stale(e.LastFailure, now)
                ? TimeSpan.FromTicks(Math.Min(e.Delay.Ticks * 2, Max.Ticks))
                : Initial;
            _entries[key] = (delay, now);
            return delay;
        }
    }

    /// <summary>Forgets entries that would start over anyway (called after a successful pull).</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        lock (_entries)
        {
            foreach (var key in _entries.Where(kv => Stale(kv.Value.LastFailure, now)).Select(kv => kv.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    private static bool Stale(DateTimeOffset lastFailure, DateTimeOffset now) => now - lastFailure > 2 * Max;
}
