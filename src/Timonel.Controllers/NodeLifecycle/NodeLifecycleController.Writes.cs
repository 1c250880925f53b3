using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.NodeLifecycle;

public sealed partial class NodeLifecycleController
{
    private static readonly string[] KubeletConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

    /// <summary>Sets the kubelet's conditions to Unknown, as upstream does for a silent node.</summary>
    private async Task<SyncResult> MarkUnknownAsync(V1Node cached, V1NodeCondition? ready, DateTimeOffset now, CancellationToken ct)
    {
        var node = ObjectCopy.Clone(cached);
        node.Status ??= new V1NodeStatus();
        node.Status.Conditions ??= [];
        var at = now.UtcDateTime;
        foreach (var type in KubeletConditions)
        {
            var condition = node.Status.Conditions.FirstOrDefault(c => c.Type == type);
            if (condition is null)
            {
                node.Status.Conditions.Add(new V1NodeCondition
                {
                    Type = type,
                    Status = "Unknown",
                    Reason = "NodeStatusNeverUpdated",
                    Message = "Kubelet never posted node status.",
                    LastHeartbeatTime = node.Metadata.CreationTimestamp,
                    LastTransitionTime = at,
                });
            }
            else if (condition.Status != "Unknown")
            {
                condition.Status = "Unknown";
                condition.Reason = "NodeStatusUnknown";
                condition.Message = "Kubelet stopped posting node status.";
                condition.LastTransitionTime = at;
            }
        }
        var result = await _context.Api.UpdateStatusAsync(node, ct).ConfigureAwait(false);
        if (!result.Ok)
        {
            return result.IsNotFound ? SyncResult.Done : SyncResult.Failed($"marking {cached.Metadata.Name} Unknown: {result}");
        }
        NodeLifecycleLog.Unknown(Logger, cached.Metadata.Name, Grace);
        if (ready?.Status == "True")
        {
            _context.EventsFrom("node-controller").Normal(cached, "NodeNotReady", $"Node {cached.Metadata.Name} status is now: NodeNotReady");
        }
        return SyncResult.Done;
    }

    /// <summary>
    /// Makes the node's not-ready/unreachable taints match its Ready status. Adding a NoExecute
    /// taint to a node that has none waits for the rate limiter; replacing one kind by the other
    /// does not.
    /// </summary>
    private async Task<SyncResult> ReconcileTaintsAsync(V1Node cached, string? readyStatus, DateTimeOffset now, CancellationToken ct)
    {
        var wantedKey = Taints.KeyFor(readyStatus);
        var current = (IReadOnlyList<V1Taint>?)cached.Spec?.Taints ?? [];
        var wanted = current.Where(t => !Taints.IsOwned(t) || t.Key == wantedKey).ToList();
        TimeSpan? retry = null;
        if (wantedKey is not null)
        {
            if (!wanted.Any(t => t.Key == wantedKey && t.Effect == Taints.NoSchedule))
            {
                wanted.Add(new V1Taint { Key = wantedKey, Effect = Taints.NoSchedule, TimeAdded = now.UtcDateTime });
            }
            if (!wanted.Any(t => t.Key == wantedKey && t.Effect == Taints.NoExecute))
            {
                var swapping = current.Any(t => Taints.IsOwned(t) && t.Effect == Taints.NoExecute);
                if (swapping || _noExecuteLimiter.TryTake(out var wait))
                {
                    wanted.Add(new V1Taint { Key = wantedKey, Effect = Taints.NoExecute, TimeAdded = now.UtcDateTime });
                }
                else
                {
                    retry = wait;
                }
            }
        }
        if (SameTaints(current, wanted))
        {
            return retry is { } r ? SyncResult.After(r) : SyncResult.Done;
        }
        var node = ObjectCopy.Clone(cached);
        node.Spec ??= new V1NodeSpec();
        node.Spec.Taints = wanted.Count == 0 ? null : wanted;
        var result = await _context.Api.UpdateAsync(node, ct).ConfigureAwait(false);
        if (!result.Ok)
        {
            return result.IsNotFound ? SyncResult.Done : SyncResult.Failed($"tainting {cached.Metadata.Name}: {result}");
        }
        NodeLifecycleLog.Tainted(Logger, cached.Metadata.Name, string.Join(",", wanted.Select(t => $"{t.Key}:{t.Effect}")));
        if (wantedKey is null && current.Any(Taints.IsOwned))
        {
            _context.EventsFrom("node-controller").Normal(cached, "NodeReady", $"Node {cached.Metadata.Name} status is now: NodeReady");
        }
        return retry is { } later ? SyncResult.After(later) : SyncResult.Done;
    }

    private static bool SameTaints(IReadOnlyList<V1Taint> a, IReadOnlyList<V1Taint> b) =>
        a.Count == b.Count && a.All(x => b.Any(y => y.Key == x.Key && y.Effect == x.Effect && y.Value == x.Value));
}
