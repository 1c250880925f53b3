using System.Globalization;
using k8s.Models;

namespace Timonel.Controllers.Deployments;

/// <summary>
/// The arithmetic of rollouts, as upstream's deployment utilities define it. Pure functions over
/// the objects, so every rounding rule is checked without a server.
/// </summary>
public static class DeploymentMath
{
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";

    /// <summary>An int-or-percent of total: percentages round up for surge, down for unavailability.</summary>
    public static int Scaled(IntOrString? value, int total, bool roundUp)
    {
        var text = value?.Value;
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }
        if (text.EndsWith('%'))
        {
            var percent = int.Parse(text.AsSpan(0, text.Length - 1), NumberStyles.Integer, CultureInfo.InvariantCulture);
            var exact = (double)percent * total / 100;
            return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
        }
        return int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    /// <summary>(maxSurge, maxUnavailable) resolved against the desired replicas; both 0 would stall, so unavailable becomes 1.</summary>
    public static (int Surge, int Unavailable) Fenceposts(V1Deployment d)
    {
        var rolling = d.Spec.Strategy?.RollingUpdate;
        var desired = d.Spec.Replicas ?? 1;
        var surge = Scaled(rolling?.MaxSurge ?? "25%", desired, roundUp: true);
        var unavailable = Scaled(rolling?.MaxUnavailable ?? "25%", desired, roundUp: false);
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable);
    }

    public static bool IsRolling(V1Deployment d) => d.Spec.Strategy?.Type is null or "RollingUpdate";

    public static int MaxSurge(V1Deployment d) => IsRolling(d) ? Fenceposts(d).Surge : 0;

    public static int MaxUnavailable(V1Deployment d)
    {
        var desired = d.Spec.Replicas ?? 1;
        if (!IsRolling(d) || desired == 0)
        {
            return 0;
        }
        return Math.Min(Fenceposts(d).Unavailable, desired);
    }

    public static int Replicas(V1ReplicaSet rs) => rs.Spec.Replicas ?? 0;

    /// <summary>How big the new ReplicaSet may be now: as many as the surge budget allows, up to desired.</summary>
    public static int NewReplicaSetReplicas(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet? newRs)
    {
        var desired = d.Spec.Replicas ?? 1;
        if (!IsRolling(d))
        {
            return desired;
        }
        var current = newRs is null ? 0 : Replicas(newRs);
        // A set just scaled down keeps its surplus pods until its controller deletes them; counting
        // them (status.replicas, active pods) keeps the pods that exist, not only the sizes asked
        // for, within maxSurge. Spec alone let 10,000 replicas reach 12,511 pods for a moment.
        var total = all.Sum(rs => Math.Max(Replicas(rs), rs.Status?.Replicas ?? 0));
        var maxTotal = desired + MaxSurge(d);
        if (total >= maxTotal)
        {
            return current;
        }
        return current + Math.Min(maxTotal - total, Math.Max(0, desired - current));
    }

    /// <summary>
    /// The share of a scaling of the whole deployment by <paramref name="toAdd"/> that falls to
    /// one ReplicaSet: its size scaled by (new allowed total / total recorded in its max-replicas
    /// annotation), rounded half away from zero, capped by what is left to hand out.
    /// </summary>
    public static int Proportion(V1ReplicaSet rs, V1Deployment d, int toAdd, int added)
    {
        if (Replicas(rs) == 0 || toAdd == 0 || toAdd == added)
        {
            return 0;
        }
        var fraction = Fraction(rs, d);
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    private static int Fraction(V1ReplicaSet rs, V1Deployment d)
    {
        var desired = d.Spec.Replicas ?? 1;
        if (desired == 0)
        {
            return -Replicas(rs);
        }
        var allowedTotal = desired + MaxSurge(d);
        var recorded = IntAnnotation(rs, MaxReplicasAnnotation) ?? d.Status?.Replicas ?? 0;
        if (recorded == 0)
        {
            return 0;
        }
        var size = (double)Replicas(rs) * allowedTotal / recorded;
        return (int)Math.Round(size, MidpointRounding.AwayFromZero) - Replicas(rs);
    }

    public static int? IntAnnotation(V1ReplicaSet rs, string name) =>
        rs.Metadata.Annotations is { } a && a.TryGetValue(name, out var v)
        && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Sets desired-replicas and max-replicas; true when either changed.</summary>
    public static bool SetReplicasAnnotations(V1ReplicaSet rs, int desired, int max)
    {
        var a = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var changed = false;
        foreach (var (name, value) in new[] { (DesiredReplicasAnnotation, desired), (MaxReplicasAnnotation, max) })
        {
            var text = value.ToString(CultureInfo.InvariantCulture);
            if (!a.TryGetValue(name, out var old) || old != text)
            {
                a[name] = text;
                changed = true;
            }
        }
        return changed;
    }
}
