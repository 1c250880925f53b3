namespace Timonel.Scheduler.Framework;

/// <summary>The FailedScheduling texts, formatted as kube-scheduler formats them.</summary>
public static class FailureMessage
{
    /// <summary>
    /// <c>0/N nodes are available: </c> then either the PreFilter message, or each filter reason
    /// with the number of nodes that gave it, as "count reason" strings sorted ordinally (so
    /// "2 node(s) ..." precedes "3 Insufficient cpu"); then the PostFilter message.
    /// </summary>
    public static string FitError(int allNodes, string? preFilterMessage, NodeStatusMap statuses, string? postFilterMessage)
    {
        var message = $"0/{allNodes} nodes are available:";
        if (!string.IsNullOrEmpty(preFilterMessage))
        {
            message += $" {preFilterMessage}.";
        }
        else
        {
            var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (_, status) in statuses.Entries)
            {
                foreach (var reason in status.Reasons)
                {
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }
            }
            if (reasons.Count > 0)
            {
                message += $" {Histogram(reasons)}.";
            }
        }
        if (!string.IsNullOrEmpty(postFilterMessage))
        {
            message += $" {postFilterMessage}";
        }
        return message;
    }

    /// <summary><c>preemption: 0/N nodes are available: 5 Preemption is not helpful for scheduling.</c></summary>
    public static string Preemption(int allNodes, Dictionary<string, int> reasons) =>
        $"preemption: 0/{allNodes} nodes are available: {Histogram(reasons)}.";

    private static string Histogram(Dictionary<string, int> reasons)
    {
        var parts = new List<string>(reasons.Count);
        foreach (var (reason, count) in reasons)
        {
            parts.Add($"{count} {reason}");
        }
        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }
}
