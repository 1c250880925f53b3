using k8s.Models;

namespace Timonel.Scheduler.Plugins.TaintToleration;

/// <summary>Taint/toleration matching as the API defines it.</summary>
public static class Tolerations
{
    public const string NoSchedule = "NoSchedule";
    public const string NoExecute = "NoExecute";
    public const string PreferNoSchedule = "PreferNoSchedule";

    /// <summary>
    /// An empty toleration effect matches every effect; an empty key with operator Exists matches
    /// every taint; Equal (the default operator) also compares values.
    /// </summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }
        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }
        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            "Equal" or "" or null => (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }

    public static bool ToleratedByAny(V1Taint taint, V1Toleration[] tolerations)
    {
        foreach (var t in tolerations)
        {
            if (Tolerates(t, taint))
            {
                return true;
            }
        }
        return false;
    }
}
