using k8s.Models;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.ReplicaSets;

/// <summary>
/// The pod counts of a ReplicaSet's status, taken one claimed pod at a time during the claim, so
/// a sync walks its pods once. Availability depends on the time the status is computed, so ready
/// pods' transition times are kept and counted against <c>now</c> only in <see cref="Available"/>.
/// </summary>
public sealed class ReplicaSetPodCounts
{
    private readonly KeyValuePair<string, string>[] _templateLabels;
    private readonly int _minReadySeconds;
    // Only with minReadySeconds > 0; null entries are ready pods without a transition time (never available).
    private readonly List<DateTime?> _readySince = [];

    public ReplicaSetPodCounts(V1ReplicaSet rs)
    {
        _templateLabels = rs.Spec.Template?.Metadata?.Labels is { } labels ? [.. labels] : [];
        _minReadySeconds = rs.Spec.MinReadySeconds ?? 0;
    }

    public int Replicas { get; private set; }
    public int FullyLabeled { get; private set; }
    public int Ready { get; private set; }

    public void Add(V1Pod pod)
    {
        Replicas++;
        if (HasTemplateLabels(pod.Metadata.Labels))
        {
            FullyLabeled++;
        }
        var ready = PodState.ReadyCondition(pod);
        if (ready?.Status == "True")
        {
            Ready++;
            if (_minReadySeconds > 0)
            {
                _readySince.Add(ready.LastTransitionTime);
            }
        }
    }

    /// <summary>Ready pods that have been ready for minReadySeconds at <paramref name="now"/>.</summary>
    public int Available(DateTimeOffset now)
    {
        if (_minReadySeconds == 0)
        {
            return Ready;
        }
        var available = 0;
        foreach (var since in _readySince)
        {
            if (PodState.ReadyLongEnough(since, _minReadySeconds, now))
            {
                available++;
            }
        }
        return available;
    }

    private bool HasTemplateLabels(IDictionary<string, string>? labels)
    {
        foreach (var (key, value) in _templateLabels)
        {
            if (labels is null || !labels.TryGetValue(key, out var v) || v != value)
            {
                return false;
            }
        }
        return true;
    }
}
