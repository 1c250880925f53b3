using System.Globalization;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// CrashLoopBackOff: how long a failed container waits before its next restart, keyed by pod uid
/// and container name. The first restart after a failure is immediate; while the container keeps
/// failing the wait is 10 s, then doubles up to 5 min. A container that ran (or stayed away) for
/// more than 10 min since the last restart starts again at 10 s. Thread-safe.
/// </summary>
public sealed class RestartBackOff
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public RestartBackOff(TimeProvider time, TimeSpan? initial = null, TimeSpan? max = null)
    {
        _time = time;
        Initial = initial ?? TimeSpan.FromSeconds(10);
        Max = max ?? TimeSpan.FromMinutes(5);
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    /// <summary>Two maximum delays without a restart forget the container's failures.</summary>
    private TimeSpan ResetAfter => Max * 2;

    public static string KeyOf(string podUid, string container) => podUid + "/" + container;

    /// <summary>
    /// Whether the container that finished at <paramref name="finishedAt"/> must still wait;
    /// <paramref name="delay"/> is the current back-off and <paramref name="remaining"/> what is left of it.
    /// </summary>
    public bool IsInBackOff(string key, DateTimeOffset finishedAt, out TimeSpan delay, out TimeSpan remaining)
    {
        lock (_lock)
        {
            delay = remaining = TimeSpan.Zero;
            if (!_entries.TryGetValue(key, out var entry) || finishedAt - entry.LastRestart > ResetAfter)
            {
                return false;
            }
            delay = entry.Delay;
            remaining = finishedAt + entry.Delay - _time.GetUtcNow();
            return remaining > TimeSpan.Zero;
        }
    }

    /// <summary>Records a restart of the container that finished at <paramref name="finishedAt"/>: the next wait doubles.</summary>
    public void Next(string key, DateTimeOffset finishedAt)
    {
        lock (_lock)
        {
            var delay = _entries.TryGetValue(key, out var entry) && finishedAt - entry.LastRestart <= ResetAfter
                ? TimeSpan.FromTicks(Math.Min(entry.Delay.Ticks * 2, Max.Ticks))
                : Initial;
            _entries[key] = new Entry(delay, finishedAt);
        }
    }

    /// <summary>Forgets every container of a pod that is gone.</summary>
    public void ForgetPod(string podUid)
    {
        lock (_lock)
        {
            var prefix = podUid + "/";
            foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    /// <summary>A duration as Go prints it (10s, 1m20s, 5m0s), as the kubelet's messages show it.</summary>
    public static string Format(TimeSpan d)
    {
        var seconds = (long)Math.Round(d.TotalSeconds);
        if (seconds < 60)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "s";
        }
        var minutes = seconds / 60;
        return minutes < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m{seconds % 60}s")
            : string.Create(CultureInfo.InvariantCulture, $"{minutes / 60}h{minutes % 60}m{seconds % 60}s");
    }

    private readonly record struct Entry(TimeSpan Delay, DateTimeOffset LastRestart);
}
