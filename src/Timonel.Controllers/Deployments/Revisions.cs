using System.Globalization;
using k8s.Models;

namespace Timonel.Controllers.Deployments;

/// <summary>
/// Revision bookkeeping on ReplicaSets and their Deployment. Every ReplicaSet a Deployment has
/// used carries `deployment.kubernetes.io/revision`; the current one carries the highest. A
/// ReplicaSet that becomes current again (rollout undo) takes max + 1 and keeps its earlier
/// numbers in `revision-history`. `kubectl rollout undo/history` read exactly these annotations.
/// The Deployment's own annotations (except the bookkeeping ones) are copied to its ReplicaSets,
/// which is how undo restores them.
/// </summary>
public static class Revisions
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string HistoryAnnotation = "deployment.kubernetes.io/revision-history";

    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        RevisionAnnotation,
        HistoryAnnotation,
        DeploymentMath.DesiredReplicasAnnotation,
        DeploymentMath.MaxReplicasAnnotation,
        "deprecated.deployment.rollback.to",
    };

    public static long Of(V1ObjectMeta meta) =>
        meta.Annotations is { } a && a.TryGetValue(RevisionAnnotation, out var v)
        && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static long Max(IEnumerable<V1ReplicaSet> sets) => sets.Select(rs => Of(rs.Metadata)).DefaultIfEmpty(0).Max();

    /// <summary>Copies the deployment's annotations and raises the revision; true when anything changed.</summary>
    public static bool SetNewReplicaSetAnnotations(V1Deployment d, V1ReplicaSet rs, long newRevision, bool exists)
    {
        var a = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var changed = false;
        foreach (var (k, v) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (!NotCopied.Contains(k) && (!a.TryGetValue(k, out var old) || old != v))
            {
                a[k] = v;
                changed = true;
            }
        }
        var oldRevision = Of(rs.Metadata);
        if (oldRevision < newRevision)
        {
            a[RevisionAnnotation] = newRevision.ToString(CultureInfo.InvariantCulture);
            if (oldRevision > 0)
            {
                var history = a.TryGetValue(HistoryAnnotation, out var h) && h.Length > 0 ? h + "," : "";
                a[HistoryAnnotation] = history + oldRevision.ToString(CultureInfo.InvariantCulture);
            }
            changed = true;
        }
        if (!exists)
        {
            var desired = d.Spec.Replicas ?? 1;
            changed |= DeploymentMath.SetReplicasAnnotations(rs, desired, desired + DeploymentMath.MaxSurge(d));
        }
        return changed;
    }
}
