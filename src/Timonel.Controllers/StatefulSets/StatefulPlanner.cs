using System.Globalization;
using k8s.Models;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.StatefulSets;

/// <summary>One step of a StatefulSet: the ordinals to create, the pods to delete, the status to report.</summary>
internal sealed record StatefulPlan(IReadOnlyList<int> Create, IReadOnlyList<V1Pod> Delete, V1StatefulSetStatus Status);

/// <summary>
/// What a StatefulSet needs next, as upstream's controller decides it. Pods are named
/// "&lt;set&gt;-&lt;ordinal&gt;". With OrderedReady (the default) one pod is created at a time, in
/// ordinal order, each only once the ones before it are Running and Ready; scaling down removes the
/// highest ordinal first, one at a time. Parallel creates and removes all at once. A RollingUpdate
/// replaces, from the highest ordinal down to the partition, one pod at a time whose revision is
/// not the current template's, once every pod is Running and Ready. Failed or Succeeded pods are
/// deleted to be created again.
/// </summary>
internal static class StatefulPlanner
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public static StatefulPlan Plan(V1StatefulSet sts, IReadOnlyList<V1Pod> pods, string updateRevision, DateTimeOffset now)
    {
        var start = sts.Spec.Ordinals?.Start ?? 0;
        var replicas = sts.Spec.Replicas ?? 1;
        var ordered = sts.Spec.PodManagementPolicy != "Parallel";
        var byOrdinal = new Dictionary<int, V1Pod>();
        var condemned = new List<V1Pod>();
        foreach (var pod in pods)
        {
            var ordinal = OrdinalOf(sts, pod);
            if (ordinal is { } n && n >= start && n < start + replicas) byOrdinal[n] = pod;
            else condemned.Add(pod);
        }
        var status = Status(sts, pods, updateRevision, now);
        var create = new List<int>();
        var delete = new List<V1Pod>();

        for (var n = start; n < start + replicas; n++)
        {
            if (!byOrdinal.TryGetValue(n, out var pod))
            {
                create.Add(n);
                if (ordered) return new(create, delete, status);
                continue;
            }
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                if (ordered) return new(create, delete, status);
                continue;
            }
            if (pod.Status?.Phase is "Failed" or "Succeeded")
            {
                delete.Add(pod);
                if (ordered) return new(create, delete, status);
                continue;
            }
            if (ordered && !Healthy(pod))
            {
                return new(create, delete, status);
            }
        }

        // Scale down: highest ordinal first; in order, one at a time and only while all else is healthy.
        foreach (var pod in condemned.OrderByDescending(p => OrdinalOf(sts, p) ?? int.MaxValue))
        {
            if (ordered && (pod.Metadata.DeletionTimestamp is not null || byOrdinal.Values.Any(p => !Healthy(p))))
            {
                return new(create, delete, status);
            }
            if (pod.Metadata.DeletionTimestamp is null) delete.Add(pod);
            if (ordered) return new(create, delete, status);
        }
        if (create.Count + delete.Count > 0 || sts.Spec.UpdateStrategy?.Type == "OnDelete")
        {
            return new(create, delete, status);
        }

        // Rolling update: one pod at a time, from the top, down to the partition.
        if (byOrdinal.Values.Any(p => !Healthy(p)))
        {
            return new(create, delete, status);
        }
        var partition = sts.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        for (var n = start + replicas - 1; n >= start + partition; n--)
        {
            if (Revision(byOrdinal[n]) != updateRevision)
            {
                delete.Add(byOrdinal[n]);
                break;
            }
        }
        return new(create, delete, status);
    }

    public static int? OrdinalOf(V1StatefulSet sts, V1Pod pod)
    {
        var prefix = sts.Metadata.Name + "-";
        var name = pod.Metadata.Name;
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n.ToString(CultureInfo.InvariantCulture) == name[prefix.Length..]
            ? n
            : null;
    }

    public static string? Revision(V1Pod pod) =>
        pod.Metadata.Labels?.TryGetValue(TemplateRevisions.HashLabel, out var r) == true ? r : null;

    private static bool Healthy(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase == "Running" && PodState.IsReady(pod);

    private static V1StatefulSetStatus Status(V1StatefulSet sts, IReadOnlyList<V1Pod> pods, string updateRevision, DateTimeOffset now)
    {
        var live = pods.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var ready = live.Where(p => p.Status?.Phase == "Running" && PodState.IsReady(p)).ToList();
        var updated = live.Count(p => Revision(p) == updateRevision);
        var current = sts.Status?.CurrentRevision is { Length: > 0 } c ? c : updateRevision;
        var replicas = sts.Spec.Replicas ?? 1;
        // The rollout is complete once every pod runs the new template and is ready.
        if (updated == replicas && ready.Count == replicas && live.Count == replicas)
        {
            current = updateRevision;
        }
        return new V1StatefulSetStatus
        {
            ObservedGeneration = sts.Metadata.Generation,
            Replicas = live.Count,
            ReadyReplicas = ready.Count,
            AvailableReplicas = ready.Count(p => PodState.IsAvailable(p, sts.Spec.MinReadySeconds ?? 0, now)),
            CurrentReplicas = live.Count(p => Revision(p) == current),
            UpdatedReplicas = updated,
            CurrentRevision = current,
            UpdateRevision = updateRevision,
            CollisionCount = sts.Status?.CollisionCount,
        };
    }
}
