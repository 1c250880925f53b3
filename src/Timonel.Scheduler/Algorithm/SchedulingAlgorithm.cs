using System.Buffers;
using Timonel.Scheduler.Cache;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Algorithm;

/// <summary>
/// One scheduling cycle over a snapshot: PreFilter, Filter (stopping after enough feasible nodes,
/// starting where the previous cycle stopped so every node gets its turn), PostFilter when none
/// fits, then PreScore, Score, NormalizeScore, weights, and the best node with ties broken at
/// random. Not thread-safe: one cycle at a time (the cycle itself fans out over nodes).
/// Per-node scratch arrays come from the shared pool, so a cycle allocates little beyond its
/// per-pod state.
/// </summary>
public sealed partial class SchedulingAlgorithm : IFilterRunner
{
    private readonly Profile _profile;
    private readonly SchedulerOptions _options;
    private readonly Random _random;
    private readonly IReadOnlyList<IPreFilterExtensions> _extensions;
    private readonly Nominator _nominator;
    private int _nextStartIndex;

    public SchedulingAlgorithm(Profile profile, SchedulerOptions options, Random random, Nominator? nominator = null)
    {
        _profile = profile;
        _options = options.Validated();
        _random = random;
        _extensions = profile.PreFilterExtensions;
        _nominator = nominator ?? new Nominator();
    }

    public ScheduleResult Schedule(PodInfo pod, Snapshot snapshot)
    {
        var all = snapshot.Nodes.Length;
        if (all == 0)
        {
            return Failed(new ScheduleFailure("no nodes available to schedule pods", false, new NodeStatusMap(), null, []));
        }
        var state = new CycleState(snapshot);
        foreach (var plugin in _profile.PreFilter)
        {
            var status = plugin.PreFilter(state, pod, snapshot);
            if (status.Code == StatusCode.Error)
            {
                return Failed(new ScheduleFailure($"running PreFilter plugin {plugin.Name}: {status.Message}", true, new NodeStatusMap(), null, []));
            }
            if (!status.IsSuccess)
            {
                var statuses = new NodeStatusMap();
                foreach (var n in snapshot.Nodes)
                {
                    statuses.Set(n.Name, status.WithPlugin(plugin.Name));
                }
                return Unschedulable(state, pod, snapshot, statuses, status.Message);
            }
        }
        // A pod nominated by an earlier preemption tries its node first: the victims made room there.
        if (NominatedNodeFits(state, pod, snapshot) is { } nominated)
        {
            return new ScheduleResult(nominated, 1, 1, null);
        }
        var candidates = state.PreFilterNodeNames is { } names ? Array.FindAll(snapshot.Nodes, n => names.Contains(n.Name)) : snapshot.Nodes;
        var (feasible, feasibleCount, rejected, statusMap, error) = FindFeasible(state, pod, candidates, rotate: candidates.Length == all);
        try
        {
            if (error is { } e)
            {
                return Failed(new ScheduleFailure(e, true, statusMap ?? new NodeStatusMap(), null, []));
            }
            if (feasibleCount == 0)
            {
                return Unschedulable(state, pod, snapshot, statusMap!, null);
            }
            var evaluated = feasibleCount + rejected;
            if (feasibleCount == 1)
            {
                return new ScheduleResult(feasible[0].Name, evaluated, 1, null);
            }
            var host = ScoreAndSelect(state, pod, snapshot, new ArraySegment<NodeInfo>(feasible, 0, feasibleCount));
            return new ScheduleResult(host, evaluated, feasibleCount, null);
        }
        finally
        {
            ArrayPool<NodeInfo>.Shared.Return(feasible, clearArray: true);
        }
    }

    /// <summary>
    /// Filters <paramref name="node"/> as it will be once the pods nominated to it with priority
    /// at least the pod's run there, and as it is now (a nominated pod might be what satisfies an
    /// affinity term, and it may never arrive); both must pass.
    /// </summary>
    public Status RunFilters(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (!_nominator.IsEmpty)
        {
            var nominated = _nominator.On(node.Name);
            if (!nominated.IsEmpty)
            {
                var withNominated = node;
                CycleState? nominatedState = null;
                foreach (var other in nominated)
                {
                    if (other.Key != pod.Key && other.Priority >= pod.Priority)
                    {
                        nominatedState ??= state.Clone();
                        withNominated = withNominated.WithPod(other.OnNode(node.Name), node.Generation);
                        RunAddPod(nominatedState, pod, other, withNominated);
                    }
                }
                if (nominatedState is not null)
                {
                    var status = RunFiltersOnly(nominatedState, pod, withNominated);
                    if (!status.IsSuccess)
                    {
                        return status;
                    }
                }
            }
        }
        return RunFiltersOnly(state, pod, node);
    }

    private string? NominatedNodeFits(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var name = _nominator.NodeOf(pod.Key) ?? pod.Pod.Status?.NominatedNodeName;
        if (string.IsNullOrEmpty(name) || snapshot.Get(name) is not { } node)
        {
            return null;
        }
        if (state.PreFilterNodeNames is { } names && !names.Contains(name))
        {
            return null;
        }
        return RunFilters(state, pod, node).IsSuccess ? name : null;
    }

    /// <summary>Runs the filters in profile order; the first rejection decides.</summary>
    private Status RunFiltersOnly(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var plugin in _profile.Filter)
        {
            var status = plugin.Filter(state, pod, node);
            if (!status.IsSuccess)
            {
                return status.WithPlugin(plugin.Name);
            }
        }
        return Status.Success;
    }

    public void RunAddPod(CycleState state, PodInfo incoming, PodInfo added, NodeInfo node)
    {
        foreach (var e in _extensions)
        {
            e.AddPod(state, incoming, added, node);
        }
    }

    public void RunRemovePod(CycleState state, PodInfo incoming, PodInfo removed, NodeInfo node)
    {
        foreach (var e in _extensions)
        {
            e.RemovePod(state, incoming, removed, node);
        }
    }

    private ScheduleResult Unschedulable(CycleState state, PodInfo pod, Snapshot snapshot, NodeStatusMap statuses, string? preFilterMessage)
    {
        string? postFilterMessage = null;
        foreach (var plugin in _profile.PostFilter)
        {
            var result = plugin.PostFilter(state, pod, snapshot, statuses, this);
            if (result.Status.IsSuccess && result.NominatedNode is not null)
            {
                var message = FailureMessage.FitError(snapshot.Nodes.Length, preFilterMessage, statuses, null);
                return Failed(new ScheduleFailure(message, false, statuses, result.NominatedNode, result.Victims ?? []));
            }
            postFilterMessage ??= result.Message;
        }
        var text = FailureMessage.FitError(snapshot.Nodes.Length, preFilterMessage, statuses, postFilterMessage);
        return Failed(new ScheduleFailure(text, false, statuses, null, []));
    }

    private static ScheduleResult Failed(ScheduleFailure failure) => new(null, 0, 0, failure);
}
