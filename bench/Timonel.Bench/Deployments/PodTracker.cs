using System.Diagnostics;
using Timonel.Client.Api;
using k8s.Models;

namespace Timonel.Bench.Deployments;

/// <summary>
/// The pods of one namespace as a watch delivers them, with counts per image. Every event is one
/// state of the store, in order, so the limits are checked after each event rather than sampled.
/// </summary>
internal sealed class PodTracker(Stopwatch clock)
{
    private readonly record struct View(string Image, bool Bound, bool Ready, bool Terminating);

    /// <summary>Counts and the last time each transition happened, for the pods of one image.</summary>
    internal sealed class ImageStats
    {
        public int Created, Live, Bound, Ready;
        public TimeSpan FirstCreated = TimeSpan.MaxValue, LastCreated, LastBound, LastReady;
    }

    private readonly object _lock = new();
    private readonly Dictionary<string, View> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageStats> _images = new(StringComparer.Ordinal);
    private int _live;
    private int _liveReady;
    private bool _armed;

    public int Total { get { lock (_lock) return _pods.Count; } }
    public int MaxLive { get; private set; }
    public int MinLiveReady { get; private set; } = int.MaxValue;
    public TimeSpan LastDeleted { get; private set; }
    public int Events { get; private set; }

    public ImageStats Stats(string image)
    {
        lock (_lock)
        {
            return _images.TryGetValue(image, out var s) ? s : new ImageStats();
        }
    }

    public (int Total, int Live, int LiveReady) Counts()
    {
        lock (_lock) return (_pods.Count, _live, _liveReady);
    }

    /// <summary>From now on, track the most non-terminating pods and the fewest ready ones.</summary>
    public void ArmLimits()
    {
        lock (_lock)
        {
            _armed = true;
            MaxLive = _live;
            MinLiveReady = _liveReady;
        }
    }

    public void Apply(WatchEventType type, V1Pod pod)
    {
        var now = clock.Elapsed;
        var name = pod.Metadata.Name;
        lock (_lock)
        {
            Events++;
            var had = _pods.TryGetValue(name, out var old);
            if (had)
            {
                Count(old, -1);
            }
            if (type == WatchEventType.Deleted)
            {
                _pods.Remove(name);
                LastDeleted = now;
            }
            else
            {
                var view = new View(pod.Spec.Containers[0].Image, pod.Spec.NodeName is not null,
                    pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, pod.Metadata.DeletionTimestamp is not null);
                _pods[name] = view;
                Count(view, +1);
                var stats = StatsOf(view.Image);
                if (!had)
                {
                    stats.Created++;
                    stats.LastCreated = now;
                    if (stats.FirstCreated == TimeSpan.MaxValue) stats.FirstCreated = now;
                }
                if (view.Bound && !(had && old.Bound)) stats.LastBound = now;
                if (view.Ready && !(had && old.Ready)) stats.LastReady = now;
            }
            if (_armed)
            {
                MaxLive = Math.Max(MaxLive, _live);
                MinLiveReady = Math.Min(MinLiveReady, _liveReady);
            }
        }
    }

    private void Count(View view, int sign)
    {
        var stats = StatsOf(view.Image);
        if (view.Bound) stats.Bound += sign;
        if (view.Terminating) return;
        stats.Live += sign;
        _live += sign;
        if (view.Ready)
        {
            stats.Ready += sign;
            _liveReady += sign;
        }
    }

    private ImageStats StatsOf(string image)
    {
        if (!_images.TryGetValue(image, out var stats))
        {
            stats = new ImageStats();
            _images[image] = stats;
        }
        return stats;
    }
}
