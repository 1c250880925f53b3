using k8s.Models;
using Timonel.Controllers.Endpoints;
using Timonel.Controllers.Workloads;

namespace Timonel.Controllers.DaemonSets;

/// <summary>What one DaemonSet sync should do, computed from cached state only.</summary>
internal sealed record DaemonPlan(List<string> CreateOn, List<V1Pod> Delete, List<V1Pod> FailedPods, V1DaemonSetStatus Status, TimeSpan? Requeue);

/// <summary>
/// Per node: a node that should run the daemon gets one pod; extra pods and pods on nodes that
/// should not keep them are deleted; failed pods are replaced. Then the rollout: pods whose
/// controller-revision-hash is not the current one are replaced, never leaving more than
/// maxUnavailable nodes without an available pod (maxSurge 0), or by first starting the new pod
/// beside the old on at most maxSurge nodes and deleting the old once the new is available.
/// </summary>
internal static class DaemonPlanner
{
    public static DaemonPlan Plan(V1DaemonSet ds, IReadOnlyList<V1Node> nodes, IReadOnlyList<V1Pod> pods, string hash, DateTimeOffset now)
    {
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        var byNode = pods.Where(p => NodeEligibility.TargetNode(p) is not null).GroupBy(p => NodeEligibility.TargetNode(p)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var plan = new DaemonPlan([], [], [], new V1DaemonSetStatus(), null);
        var nodeNames = nodes.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        // Pods for nodes that no longer exist.
        plan.Delete.AddRange(byNode.Where(kv => !nodeNames.Contains(kv.Key)).SelectMany(kv => kv.Value).Where(p => !PodFacts.IsTerminating(p)));

        var runningByNode = new Dictionary<string, List<V1Pod>>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var (shouldRun, shouldContinue) = NodeEligibility.Evaluate(node, ds.Spec.Template.Spec);
            var live = byNode.GetValueOrDefault(node.Metadata.Name, []).Where(p => !PodFacts.IsTerminating(p)).ToList();
            if (!shouldContinue)
            {
                plan.Delete.AddRange(live);
                if (live.Count > 0)
                {
                    plan.Status.NumberMisscheduled++;
                }
                continue;
            }
            if (!shouldRun && live.Count > 0)
            {
                // Still allowed to stay (only a NoSchedule taint), but not counted as desired.
                plan.Status.NumberMisscheduled++;
                continue;
            }
            if (!shouldRun)
            {
                continue;
            }
            plan.Status.DesiredNumberScheduled++;
            var failed = live.Where(p => p.Status?.Phase == "Failed").ToList();
            plan.FailedPods.AddRange(failed);
            plan.Delete.AddRange(failed);
            var running = live.Except(failed).OrderBy(p => p.Metadata.CreationTimestamp).ToList();
            var terminatingHere = byNode.GetValueOrDefault(node.Metadata.Name, []).Any(PodFacts.IsTerminating);
            if (running.Count == 0)
            {
                // A pod still terminating there is waited for, so two never run at once.
                if (!terminatingHere)
                {
                    plan.CreateOn.Add(node.Metadata.Name);
                }
                continue;
            }
            // Several pods: keep the oldest current one (or the oldest), unless a surge rollout put a new one beside an old one.
            var keep = running.FirstOrDefault(p => HashOf(p) == hash) ?? running[0];
            var surgePair = running.Count == 2 && running.Count(p => HashOf(p) == hash) == 1 && MaxSurge(ds, 1) > 0;
            if (!surgePair)
            {
                plan.Delete.AddRange(running.Where(p => p != keep));
                running = [keep];
            }
            runningByNode[node.Metadata.Name] = running;
        }

        Rollout(ds, runningByNode, hash, now, plan);
        FillStatus(ds, runningByNode, hash, now, plan);
        // A ready pod becomes available after minReadySeconds: look again then.
        if (minReady > 0 && runningByNode.Values.SelectMany(p => p).Any(p => PodFacts.IsReady(p) && !PodFacts.IsAvailable(p, minReady, now)))
        {
            plan = plan with { Requeue = TimeSpan.FromSeconds(1) };
        }
        return plan;
    }

    private static void Rollout(V1DaemonSet ds, Dictionary<string, List<V1Pod>> runningByNode, string hash, DateTimeOffset now, DaemonPlan plan)
    {
        if (ds.Spec.UpdateStrategy?.Type == "OnDelete")
        {
            return;
        }
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        var desired = plan.Status.DesiredNumberScheduled;
        var maxSurge = MaxSurge(ds, desired);
        var maxUnavailable = MaxUnavailable(ds, desired, maxSurge);
        bool Available(V1Pod p) => PodFacts.IsAvailable(p, minReady, now);

        if (maxSurge == 0)
        {
            // Nodes that should run the daemon but have no available pod: being created, still
            // terminating their old pod, or not yet available.
            var unavailable = desired - runningByNode.Values.Count(p => p.Any(Available));
            foreach (var (_, running) in runningByNode.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var old = running.FirstOrDefault(p => HashOf(p) != hash);
                if (old is null)
                {
                    continue;
                }
                if (!Available(old))
                {
                    plan.Delete.Add(old); // costs no availability
                }
                else if (unavailable < maxUnavailable)
                {
                    plan.Delete.Add(old);
                    unavailable++;
                }
            }
            return;
        }

        var surging = runningByNode.Values.Count(p => p.Count == 2);
        foreach (var (node, running) in runningByNode.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var old = running.FirstOrDefault(p => HashOf(p) != hash);
            var current = running.FirstOrDefault(p => HashOf(p) == hash);
            if (old is null)
            {
                continue;
            }
            if (current is not null)
            {
                if (Available(current))
                {
                    plan.Delete.Add(old);
                }
            }
            else if (!Available(old))
            {
                plan.Delete.Add(old); // nothing to protect: replace at once
            }
            else if (surging < maxSurge)
            {
                plan.CreateOn.Add(node);
                surging++;
            }
        }
    }

    private static void FillStatus(V1DaemonSet ds, Dictionary<string, List<V1Pod>> runningByNode, string hash, DateTimeOffset now, DaemonPlan plan)
    {
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        var status = plan.Status;
        status.CurrentNumberScheduled = runningByNode.Count;
        status.NumberReady = runningByNode.Values.Count(p => p.Any(PodFacts.IsReady));
        status.NumberAvailable = runningByNode.Values.Count(p => p.Any(x => PodFacts.IsAvailable(x, minReady, now)));
        status.UpdatedNumberScheduled = runningByNode.Values.Count(p => p.Any(x => HashOf(x) == hash));
        status.NumberUnavailable = Math.Max(0, status.DesiredNumberScheduled - (status.NumberAvailable ?? 0));
        status.ObservedGeneration = ds.Metadata.Generation;
        status.CollisionCount = ds.Status?.CollisionCount;
        status.Conditions = ds.Status?.Conditions;
    }

    public static string? HashOf(V1Pod pod) =>
        pod.Metadata.Labels?.TryGetValue(TemplateRevisions.HashLabel, out var h) == true ? h : null;

    private static int MaxSurge(V1DaemonSet ds, int desired) =>
        ds.Spec.UpdateStrategy?.RollingUpdate?.MaxSurge is { } surge ? Scaled(surge, desired) : 0;

    private static int MaxUnavailable(V1DaemonSet ds, int desired, int maxSurge)
    {
        var value = ds.Spec.UpdateStrategy?.RollingUpdate?.MaxUnavailable is { } u ? Scaled(u, desired) : 1;
        return value == 0 && maxSurge == 0 ? 1 : value;
    }

    /// <summary>An int, or a percentage of desired rounded up (as upstream rounds both for DaemonSets).</summary>
    private static int Scaled(IntOrString value, int desired)
    {
        var text = value.Value ?? "0";
        if (text.EndsWith('%') && int.TryParse(text[..^1], System.Globalization.CultureInfo.InvariantCulture, out var percent))
        {
            return (int)Math.Ceiling(desired * percent / 100.0);
        }
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
