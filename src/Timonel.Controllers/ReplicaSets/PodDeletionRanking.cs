using System.Globalization;
using k8s.Models;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.ReplicaSets;

/// <summary>
/// Which pods a ReplicaSet deletes first when it has too many, in upstream's order: the pod that
/// is worth least goes first. Earlier rules decide; later ones only break ties:
/// 1. not scheduled before scheduled; 2. Pending before Unknown before Running; 3. not ready before
/// ready; 4. lower `controller.kubernetes.io/pod-deletion-cost` first; 5. pods sharing their node
/// with more pods of the same set first (spreads what remains); 6. of two ready pods, the one
/// ready for less time; 7. more container restarts first; 8. newer first.
/// </summary>
public sealed class PodDeletionRanking : IComparer<V1Pod>
{
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    private readonly Dictionary<string, int> _podsPerNode;

    public PodDeletionRanking(IEnumerable<V1Pod> related)
    {
        _podsPerNode = related.Where(p => PodState.IsActive(p) && !string.IsNullOrEmpty(p.Spec?.NodeName))
            .GroupBy(p => p.Spec.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    /// <summary>The <paramref name="count"/> pods to delete first.</summary>
    public static List<V1Pod> PodsToDelete(IReadOnlyList<V1Pod> pods, int count) =>
        pods.Order(new PodDeletionRanking(pods)).Take(count).ToList();

    public int Compare(V1Pod? x, V1Pod? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int c;
        if ((c = Scheduled(x).CompareTo(Scheduled(y))) != 0) return c;
        if ((c = PhaseRank(x).CompareTo(PhaseRank(y))) != 0) return c;
        if ((c = PodState.IsReady(x).CompareTo(PodState.IsReady(y))) != 0) return c;
        if ((c = DeletionCost(x).CompareTo(DeletionCost(y))) != 0) return c;
        if ((c = NodeCrowding(y).CompareTo(NodeCrowding(x))) != 0) return c;
        if (PodState.IsReady(x) && PodState.IsReady(y) && (c = ReadySince(y).CompareTo(ReadySince(x))) != 0) return c;
        if ((c = Restarts(y).CompareTo(Restarts(x))) != 0) return c;
        return Created(y).CompareTo(Created(x));
    }

    private static bool Scheduled(V1Pod p) => !string.IsNullOrEmpty(p.Spec?.NodeName);

    private static int PhaseRank(V1Pod p) => p.Status?.Phase switch
    {
        "Pending" or null => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };

    private static int DeletionCost(V1Pod p) =>
        p.Metadata.Annotations is { } a && a.TryGetValue(DeletionCostAnnotation, out var v)
        && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    private int NodeCrowding(V1Pod p) =>
        Scheduled(p) && _podsPerNode.TryGetValue(p.Spec.NodeName, out var n) ? n : 0;

    private static DateTime ReadySince(V1Pod p) => PodState.ReadyCondition(p)?.LastTransitionTime ?? DateTime.MinValue;

    private static int Restarts(V1Pod p) => p.Status?.ContainerStatuses?.Sum(s => s.RestartCount) ?? 0;

    private static DateTime Created(V1Pod p) => p.Metadata.CreationTimestamp ?? DateTime.MinValue;
}
